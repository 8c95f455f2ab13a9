/**
 * Commands that run until stopped (`fm run`) treat SIGINT/SIGTERM as their normal end: they
 * finish the activation in flight and exit 0. Other commands interrupted by a signal exit 130.
 * The bin's teardown reads this flag; a command sets it when it starts its long-running part.
 */
let stopBySignalIsNormal = false

export const declareSignalStopIsNormal = (): void => {
  stopBySignalIsNormal = true
}

export const signalStopIsNormal = (): boolean => stopBySignalIsNormal
