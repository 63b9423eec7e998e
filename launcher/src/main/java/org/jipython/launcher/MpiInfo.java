package org.jipython.launcher;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code mpi} object of an engine's namespace: the rank and size the MPI launcher gave this
 * process, read from the environment it set ({@code mpirun}, {@code mpiexec}, {@code srun}). No
 * MPI library is loaded and {@code MPI_Init} is never called, so engines started by any launcher
 * work with or without MPI bindings; code that wants MPI itself imports its binding as usual.
 *
 * <p>Python sees the public fields as attributes: {@code mpi.rank}, {@code mpi.size} (None when
 * the launcher does not say, as with PMIx alone) and {@code mpi.launcher}.
 */
public final class MpiInfo {

  /** Where one launcher puts the rank and the size; size may be absent. */
  private record Source(String launcher, String rankVariable, String sizeVariable) {}

  /**
   * The variables looked at, in order. Slurm comes last: inside a batch job every process
   * inherits {@code SLURM_PROCID=0}, so an mpirun started from one must win over it.
   */
  private static final List<Source> SOURCES = List.of(
      new Source("Open MPI", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),
      new Source("MPICH/PMI", "PMI_RANK", "PMI_SIZE"),
      new Source("PMIx", "PMIX_RANK", null),
      new Source("MVAPICH2", "MV2_COMM_WORLD_RANK", "MV2_COMM_WORLD_SIZE"),
      new Source("Flux", "FLUX_TASK_RANK", "FLUX_JOB_SIZE"),
      new Source("Slurm", "SLURM_PROCID", "SLURM_NTASKS"));

  /** This process's rank in the launcher's job, from 0. */
  public final int rank;
  /** The number of processes in the job, or null when the launcher does not tell. */
  public final Integer size;
  /** Which launcher's variables gave the rank, such as {@code "Open MPI"}. */
  public final String launcher;

  /**
   * @throws IllegalArgumentException if the rank is negative or not below the size
   */
  public MpiInfo(int rank, Integer size, String launcher) {
    if (rank < 0) {
      throw new IllegalArgumentException("an MPI rank is at least 0, not " + rank);
    }
    if (size != null && rank >= size) {
      throw new IllegalArgumentException("MPI rank " + rank + " is not below the size " + size);
    }
    this.rank = rank;
    this.size = size;
    this.launcher = launcher;
  }

  /**
   * The rank and size from an MPI launcher's environment, or empty when no launcher started this
   * process. Variables that are set but are not numbers are skipped.
   *
   * @param env the environment, usually {@code System.getenv()}
   */
  public static Optional<MpiInfo> detect(Map<String, String> env) {
    for (var source : SOURCES) {
      var rank = number(env.get(source.rankVariable()));
      if (rank == null || rank < 0) {
        continue;
      }
      var size = source.sizeVariable() == null ? null : number(env.get(source.sizeVariable()));
      if (size != null && rank >= size) {
        size = null;
      }
      return Optional.of(new MpiInfo(rank, size, source.launcher()));
    }
    return Optional.empty();
  }

  private static Integer number(String value) {
    if (value == null) {
      return null;
    }
    try {
      return Integer.valueOf(value.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** What Python's {@code repr(mpi)} shows. */
  @Override
  public String toString() {
    return "<mpi rank=" + rank + " size=" + (size == null ? "None" : size) + " launcher="
        + launcher + ">";
  }
}
