// The kill test (test/scaleout.kill.test.ts) with the event store committing one stream at a time,
// as EventStoreDB commits: every command the load gives (joining, logging and confirming
// exchanges) is a write to one stream or a process of such writes, and a process the killed API
// process left half done is finished by a worker's sweeper.
import t from 'tap';
import { killTest } from './support/kill.ts';

await killTest(t, 'one-stream');
