// Placeholder entry until the operator CLI lands (issue 3); replaced by the real commander program.
process.stdout.write('nova-ha: the operator CLI arrives with the NovaEvacuate work; nothing here yet\n');
process.exitCode = 1;
