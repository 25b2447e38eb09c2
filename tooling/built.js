// Preloaded by the npm scripts into the command they run (`node -r ./tooling/built.js dist/main.js ...`): dist/ is
// brought up to date (tooling/build.js: nothing to do when no input changed) before Node loads the command, in the
// same process. This replaces `npm run build && node dist/...`, whose nested npm and second node process cost more
// than the synth's own budget allows (issue 11, `npm run bench`). A failed build throws, so the command never runs on
// a stale or half-written dist/.
"use strict";
require("./build").ensureBuilt();
