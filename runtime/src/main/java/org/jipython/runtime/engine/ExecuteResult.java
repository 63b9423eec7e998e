package org.jipython.runtime.engine;

/**
 * What one {@code execute} on an engine produced.
 *
 * @param number the engine's execution counter for this execute; it starts at 1 and counts
 *     failed executes too
 * @param input the source as given
 * @param stdout the text printed to {@code sys.stdout} during this execute, {@code ""} when none
 * @param stderr the text printed to {@code sys.stderr} during this execute, {@code ""} when none
 * @param displayRepr {@code repr()} of the last value a top-level expression statement
 *     displayed, or null when nothing was displayed ({@code None} is never displayed)
 * @param error the exception the code raised, or null when it ran to the end
 */
public record ExecuteResult(
    int number,
    String input,
    String stdout,
    String stderr,
    String displayRepr,
    RemoteError error) {

  /** Whether the code ran without raising. */
  public boolean ok() {
    return error == null;
  }
}
