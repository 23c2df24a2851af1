// Runs before every test file: products deployed by test runs are stopped at the end of their run, so no
// service process outlives the suite.
process.env.FACTORY_KEEP_DEPLOYED ??= 'false';
