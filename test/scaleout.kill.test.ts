// Many Hearth processes on one PostgreSQL, with some killed under load: three API processes
// (`serve --no-projections`) and two projection workers (`project`), real processes. Members log and
// confirm exchanges and read their balances through whichever API process answers; one worker is
// killed with SIGKILL while behind, and one API process too. Afterwards every accepted command's
// events are in the store exactly once, the other worker took the projections over within ten
// seconds, every projection equals a rebuild, and no client saw a 5xx: only the killed API
// process's own connections failed.
import t from 'tap';
import { killTest } from './support/kill.ts';

await killTest(t, 'several-streams');
