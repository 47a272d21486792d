require('./services-env').loadServicesEnv();
