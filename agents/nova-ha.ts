/**
 * nova-ha: the operator CLI of instance HA (status, plan, explain, evacuate, resume, doctor).
 * Everything lives in lib/cli; this entry only runs it and sets the exit code.
 */
import { processIo } from '../lib/cli/io';
import { runCli } from '../lib/cli/run';

void runCli(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
});
