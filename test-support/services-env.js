// The service manager writes the addresses it started to <data dir>/services.env.
// Tests read them from there unless the environment already names them (CI, DATABASE_URL, …).
const fs = require('node:fs');
const path = require('node:path');

function loadServicesEnv() {
  const dataDir = process.env.PURSEFLOW_DATA_DIR || path.join(__dirname, '..', '.data');
  const file = path.join(dataDir, 'services.env');
  if (fs.existsSync(file)) {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (m && process.env[m[1]] === undefined) process.env[m[1]] = m[2];
    }
  }
  return process.env;
}

module.exports = { loadServicesEnv };
