package org.jipython.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.jipython.launcher.MpiInfo;
import org.junit.jupiter.api.Test;

/** Rank and size from the environment each MPI launcher sets (MPI-NOTES.md section 1.3). */
class MpiInfoTest {

  @Test
  void openMpiGivesRankAndSize() {
    var mpi = MpiInfo.detect(Map.of("OMPI_COMM_WORLD_RANK", "2", "OMPI_COMM_WORLD_SIZE", "4",
        "PMIX_RANK", "2")).orElseThrow();

    assertEquals(2, mpi.rank);
    assertEquals(4, mpi.size);
    assertEquals("Open MPI", mpi.launcher);
    assertEquals("<mpi rank=2 size=4 launcher=Open MPI>", mpi.toString());
  }

  @Test
  void mpichHydraGivesRankAndSizeThroughPmi() {
    var mpi = MpiInfo.detect(Map.of("PMI_RANK", "1", "PMI_SIZE", "3", "PMI_FD", "7"))
        .orElseThrow();

    assertEquals(1, mpi.rank);
    assertEquals(3, mpi.size);
    assertEquals("MPICH/PMI", mpi.launcher);
  }

  @Test
  void pmixAloneGivesARankWithoutASize() {
    var mpi = MpiInfo.detect(Map.of("PMIX_RANK", "5", "PMIX_NAMESPACE", "job.1")).orElseThrow();

    assertEquals(5, mpi.rank);
    assertNull(mpi.size);
  }

  @Test
  void slurmCountsOnlyWhenNoMpiLauncherSaysOtherwise() {
    var srun = MpiInfo.detect(Map.of("SLURM_PROCID", "3", "SLURM_NTASKS", "8")).orElseThrow();
    assertEquals(3, srun.rank);
    assertEquals(8, srun.size);
    assertEquals("Slurm", srun.launcher);

    // mpirun inside an sbatch job: every rank inherits SLURM_PROCID=0, mpirun's rank wins
    var inBatch = MpiInfo.detect(Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "1",
        "OMPI_COMM_WORLD_RANK", "3", "OMPI_COMM_WORLD_SIZE", "4")).orElseThrow();
    assertEquals(3, inBatch.rank);
    assertEquals(4, inBatch.size);
  }

  @Test
  void noLauncherMeansNoMpi() {
    assertTrue(MpiInfo.detect(Map.of("HOME", "/root", "PATH", "/bin")).isEmpty());
  }

  @Test
  void aVariableThatIsNotANumberIsSkipped() {
    var mpi = MpiInfo.detect(Map.of("OMPI_COMM_WORLD_RANK", "x", "PMI_RANK", "0",
        "PMI_SIZE", "two")).orElseThrow();

    assertEquals(0, mpi.rank);
    assertNull(mpi.size);
    assertEquals("MPICH/PMI", mpi.launcher);
  }

  @Test
  void aSizeThatCannotHoldTheRankIsDropped() {
    var mpi = MpiInfo.detect(Map.of("OMPI_COMM_WORLD_RANK", "4", "OMPI_COMM_WORLD_SIZE", "4"))
        .orElseThrow();

    assertEquals(4, mpi.rank);
    assertNull(mpi.size);
    assertThrows(IllegalArgumentException.class, () -> new MpiInfo(4, 4, "test"));
    assertThrows(IllegalArgumentException.class, () -> new MpiInfo(-1, null, "test"));
  }
}
