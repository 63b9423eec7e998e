package org.jipython.launcher;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The entry point of every jipython process; scripts/ name the subcommand. */
@Command(
    name = "jipython",
    mixinStandardHelpOptions = true,
    version = "jipython 0.1.0",
    description = "Interactive parallel computing for the JVM.",
    subcommands = {IpController.class, IpEngine.class, IpCluster.class, Console.class,
        Bench.class, CdsTraining.class})
public final class Main implements Runnable {

  public static void main(String[] args) {
    var exit = new CommandLine(new Main()).execute(args);
    if (exit != 0) {
      System.exit(exit);
    }
  }

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }
}
