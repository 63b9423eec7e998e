# Sourced by the scripts: builds the launcher on first use (or when sources changed), then
# runs a subcommand of org.jipython.launcher.Main in this process (exec, so signals reach it).
set -euo pipefail
JIPYTHON_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JAR="$JIPYTHON_HOME/launcher/target/jipython-launcher.jar"
LIB="$JIPYTHON_HOME/launcher/target/lib"
CDS="$JIPYTHON_HOME/launcher/target/jipython.jsa"

jipython_build_if_needed() {
  local stale=""
  if [[ ! -f "$JAR" || ! -d "$LIB" ]]; then
    stale=yes
  elif [[ -n $(find "$JIPYTHON_HOME"/{runtime,actors,launcher}/src "$JIPYTHON_HOME"/{runtime,actors,launcher}/pom.xml "$JIPYTHON_HOME/pom.xml" -newer "$JAR" -type f -print -quit 2>/dev/null) ]]; then
    stale=yes
  fi
  if [[ -n "$stale" ]]; then
    command -v mvn >/dev/null || { echo "jipython: Maven (mvn) is needed to build; install it (apt-get install maven)" >&2; exit 2; }
    echo "jipython: building (first use or sources changed)..." >&2
    # Maven leaves colour resets without a newline even in batch mode; they would glue onto the
    # first line the command prints
    ( cd "$JIPYTHON_HOME" && flock "$JIPYTHON_HOME/.build.lock" \
        mvn -q -B install -DskipTests -pl launcher -am ) 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2
  fi
}

# Open MPI's mpirun binds each rank to one core when there are at least as many cores as ranks,
# and a JVM (GC, JIT, dispatchers) bound to one core crawls. An engine under mpirun takes the
# CPU set of mpirun, its parent, back. Best effort: without taskset it runs bound.
jipython_unbind_from_mpirun() {
  command -v taskset >/dev/null || return 0
  local mask
  mask=$(taskset -p "$PPID" 2>/dev/null | awk '{print $NF}') || return 0
  [[ -n "$mask" ]] && taskset -p "$mask" $$ >/dev/null 2>&1 || true
}

# The build's class-data-sharing archive (launcher/pom.xml), when it was made after the jars it
# describes: the JVM maps those classes instead of loading them. A stale archive is never used.
jipython_cds_options() {
  if [[ -f "$CDS" && -z $(find "$JAR" "$LIB" -newer "$CDS" -print -quit 2>/dev/null) ]]; then
    echo "-XX:SharedArchiveFile=$CDS -Xlog:cds=off,cds+dynamic=off -Djipython.cds=$CDS"
  fi
}

jipython_exec() {
  local role=$1; shift
  jipython_build_if_needed
  local opts_var="JIPYTHON_${role^^}_JAVA_OPTS"
  local defaults
  # C2 only for code that stays hot: ten times the default thresholds cut start-up CPU by a
  # third and leave long-running code (user loops included) as fast (see ChildJvm)
  # except TLS's cipher (AES-GCM): C2 replaces its GHASH with a CLMUL intrinsic; on C1 it runs
  # as plain Java, which made TLS the largest cost of moving big values
  local late_c2="-XX:Tier4InvocationThreshold=50000 -XX:Tier4MinInvocationThreshold=6000 -XX:Tier4CompileThreshold=60000 -XX:Tier4BackEdgeThreshold=400000 -XX:CompileCommand=quiet -XX:CompileCommand=CompileThresholdScaling,com.sun.crypto.provider.*::*,0.05"
  case "$role" in
    engine) defaults="-Xms64m -Xmx1g -Xss4m -XX:+UseSerialGC $late_c2" ;;
    # short-lived or mostly idle JVMs whose start-up matters more than peak speed: C1 only
    console|cluster) defaults="-Xms64m -Xmx1g -Xss4m -XX:+UseSerialGC -XX:TieredStopAtLevel=1" ;;
    *) defaults="-Xms64m -Xmx1g -XX:+UseSerialGC $late_c2" ;;
  esac
  if [[ "$role" == engine && -n "${OMPI_COMM_WORLD_RANK:-}" ]]; then
    jipython_unbind_from_mpirun
  fi
  # shellcheck disable=SC2086
  exec java ${!opts_var:-$defaults} $(jipython_cds_options) \
    -Djipython.home="$JIPYTHON_HOME" \
    -Dlogback.configurationFile="$JIPYTHON_HOME/conf/logback.xml" \
    -Dconfig.file="$JIPYTHON_HOME/conf/$role.conf" \
    -cp "$JAR:$LIB/*" org.jipython.launcher.Main "$@"
}
