// Runs once before all suites: fail fast, with the fix, when the services are not up.
const { loadServicesEnv } = require('./services-env');

module.exports = async function globalSetup() {
  const env = loadServicesEnv();
  const missing = ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'PCSCLITE_CSOCK_NAME'].filter((k) => !env[k]);
  if (missing.length > 0) {
    throw new Error(
      `Services are not configured (${missing.join(', ')} unset and no .data/services.env). ` +
        'Run the tests with `npm test`, or start the services first with `npx purseflow services up`.',
    );
  }
};
