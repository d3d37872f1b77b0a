// An uploaded script, written as Plutora Integration Hub scripts are: CommonJS,
// `module.exports = { run }`, `run(args)` returns a promise. Resolve to succeed
// with a message; reject to fail the run with one.
//
//   npx triggerhub scripts push examples/scripts/sync.js --id sync
//   npx triggerhub jobs apply examples/scripts/sync-job.json
//   npx triggerhub jobs run sync-demo --wait
//
// `args.arguments` are the job's parameters (a `{ "secret": name }` one
// arrives resolved, and is redacted from the run's log), `args.globalArguments`
// the global parameters, `args.lastSuccessfulRunDateUtc` when the job last
// succeeded (null before its first success), `args.plutoraValues.JobName` the
// job's name. Every console line lands in the run's log, e.g.
// `[2026-12-01T09:00:00.123Z] [INFO] – Syncing eu changes since 2026-11-30T09:00:00.000Z`.

let run = function (args) {
  return new Promise((resolve, reject) => {
    console.log('Starting script');

    // Job parameters, as defined in the job's `params`.
    var region = args.arguments.region;
    var apiToken = args.arguments.apiToken;
    // A global parameter (`triggerhub globals set environment --value staging`), when there is one.
    var environment = args.globalArguments.environment || 'default';
    // Where the last successful run got to: only what changed since is synced.
    var since = args.lastSuccessfulRunDateUtc || 'the beginning';

    if (!region || !apiToken) {
      reject('set the job parameters "region" and "apiToken"');
      return;
    }
    console.info('Syncing ' + region + ' changes since ' + since + ' (' + environment + ')');
    // Call the system to sync here, e.g. with axios (require('axios')) or the global fetch,
    // sending apiToken: a token that shows in a log line anyway is replaced by ***.
    console.log('Ending script');
    resolve(args.plutoraValues.JobName + ': synced ' + region + ' since ' + since);
  });
};

module.exports = {
  run: run,
};
