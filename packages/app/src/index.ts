/** The app's entry points, for tests and embedding; the command line is bin/fm.ts. */
export { ExecutorSettings } from "./config.ts"
export { runFm } from "./cli/main.ts"
export { storesLayer, type Stores } from "./database/stores.ts"
export { targetOf, type DatabaseTarget } from "./database/target.ts"
export { runDaemon } from "./daemon/daemon.ts"
export { makeSitrepLoader } from "./daemon/loader.ts"
export { renderReport, reportToJson } from "./render/report.ts"
export { runSimulation, type SimulationSummary } from "./simulation/simulation.ts"
