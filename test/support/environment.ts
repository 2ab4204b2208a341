// Loaded before every test file (see package.json): cheaper password hashes, since the suite signs
// up hundreds of people. Each hash records its own cost, so nothing else changes.
process.env.PASSWORD_COST ??= '10';
