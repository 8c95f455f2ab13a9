// The last step of `npm run build`: rolldown.config.js through rolldown's API, which reports only
// warnings and errors (the rolldown CLI lists every file it writes, some 50 lines, and no option
// of its own stops that).
import { build } from "rolldown"
import config from "./rolldown.config.js"

for (const options of [config].flat()) await build(options)
