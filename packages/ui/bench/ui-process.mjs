// The UI server as its own process for the benchmark (what `sluice-controller ui` runs in the image).
import { runUi } from "../dist/index.js";

process.exitCode = await runUi(process.argv.slice(2));
