import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Exit } from "effect"
import { runFm } from "../cli/main.ts"
import { signalStopIsNormal } from "../daemon/gracefulStop.ts"

// The exit code is the program's result (SPEC 7.2: 0 done, 1 refused, 2 bad usage); a signal
// ends the daemon normally (0) and anything else with 130, the shell's convention for SIGINT.
NodeRuntime.runMain(runFm(process.argv.slice(2)), {
  disableErrorReporting: true,
  teardown: (exit, onExit) => {
    const code = Exit.isSuccess(exit)
      ? (exit.value as number)
      : Cause.hasInterruptsOnly(exit.cause)
      ? (signalStopIsNormal() ? 0 : 130)
      : 1
    process.exitCode = code
    onExit(code)
  }
})
