// Plain JavaScript, preloaded with --import by the npm scripts: an older Node cannot even load the .ts entry
// (Node 20 stops on ERR_UNKNOWN_FILE_EXTENSION), so the version is checked here, before it tries.
const required = 24;
const major = Number(process.versions.node.split('.')[0]);
if (major < required) {
  console.error(
    `gemini-chat-backend needs Node.js ${required} or newer (this is ${process.version}); see .nvmrc`,
  );
  process.exit(1);
}
