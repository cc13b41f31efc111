#!/usr/bin/env node
import { DEFAULT_DATA_DIR } from '@safelight/hashbank';
import { Command, Option } from 'commander';
import { registerBankCommands } from './commands/bank/register.js';
import { runDemo } from './commands/demo.js';
import { HASH_DEFAULTS, runHash } from './commands/hash.js';
import { MATCH_DEFAULTS, runMatch } from './commands/match.js';
import { runServe } from './commands/serve.js';
import { integerOption, numberOption } from './option-parsers.js';
import { OUTPUT_FORMATS, type OutputFormat } from './output.js';

const program = new Command()
  .name('safelight')
  .description('Safelight: child-safety tooling for end-to-end encrypted messaging')
  .version('0.1.0')
  .showHelpAfterError()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) })
  .exitOverride((error) => {
    // Usage errors exit 2 (as other Unix tools do); --help and --version exit 0.
    process.exit(error.exitCode === 0 ? 0 : 2);
  });

program
  .command('hash')
  .description('PDQ-hash image files, folders (recursively) and globs; MD5 and SHA-256 of each file')
  .argument('<paths...>', 'files, folders or glob patterns')
  .addOption(
    new Option('-f, --format <format>', 'output format')
      .choices(OUTPUT_FORMATS)
      .default(HASH_DEFAULTS.format),
  )
  .option('--dihedrals', 'also output the hashes of the 7 rotations/reflections', false)
  .option(
    '--min-quality <n>',
    'flag hashes below this quality as weak',
    integerOption('--min-quality', 0, 100),
    HASH_DEFAULTS.minQuality,
  )
  .option(
    '-j, --jobs <n>',
    'worker threads for decoding and hashing',
    integerOption('--jobs', 1),
    HASH_DEFAULTS.jobs,
  )
  .option(
    '--max-pixels <n>',
    'refuse images with more pixels (decompression bombs)',
    integerOption('--max-pixels', 1),
    HASH_DEFAULTS.maxPixels,
  )
  .option(
    '--apply-exif-orientation',
    'rotate by the EXIF orientation before hashing (not what hash lists use)',
    false,
  )
  .option(
    '--apply-icc-profile',
    'convert through an embedded ICC profile before hashing (not what hash lists use)',
    false,
  )
  .option('--no-progress', 'never draw the progress bar (it is only drawn on a terminal anyway)')
  .addHelpText(
    'after',
    '\nOutput fields: path, pdq, quality, md5, sha256, width, height, weak (quality below --min-quality).\n' +
      'Exit status: 0 all files hashed, 1 some files failed (each reported with its reason), 2 usage error.',
  )
  .action(async (paths: string[], opts: Record<string, unknown>) => {
    const result = await runHash(paths, {
      format: opts.format as OutputFormat,
      dihedrals: Boolean(opts.dihedrals),
      minQuality: opts.minQuality as number,
      jobs: opts.jobs as number,
      maxPixels: opts.maxPixels as number,
      applyExifOrientation: Boolean(opts.applyExifOrientation),
      applyIccProfile: Boolean(opts.applyIccProfile),
      progress: opts.progress !== false,
    });
    process.exitCode = result.exitCode;
  });

program
  .command('demo')
  .description('Generate benign sample images and their modified copies, hash them, and show which match')
  .option('--dir <path>', 'where to write the sample images', '.safelight/demo')
  .action(async (opts: { dir: string }) => {
    process.exitCode = await runDemo(opts.dir);
  });

registerBankCommands(program);

program
  .command('match')
  .description('Hash images (PDQ, MD5, SHA-256) and videos (vPDQ) and look them up in every enabled bank')
  .argument('<paths...>', 'files, folders or glob patterns (images and videos)')
  .addOption(
    new Option('-f, --format <format>', 'output format').choices(['jsonl', 'table']).default('jsonl'),
  )
  .option(
    '--radius <n>',
    'PDQ match radius in bits',
    integerOption('--radius', 0, 256),
    MATCH_DEFAULTS.radius,
  )
  .option(
    '--video-match-percent <n>',
    'a video matches when either frame share reaches this',
    numberOption('--video-match-percent', 0, 100),
    MATCH_DEFAULTS.videoMatchPercent,
  )
  .option(
    '--seconds-per-hash <s>',
    'video: seconds between hashed frames (0 = every frame)',
    numberOption('--seconds-per-hash', 0),
    MATCH_DEFAULTS.secondsPerHash,
  )
  .option('--data-dir <dir>', 'folder of the embedded SQLite store', DEFAULT_DATA_DIR)
  .option('--database-url <url>', 'PostgreSQL connection URL (instead of the embedded store)')
  .addHelpText(
    'after',
    '\nEach hit: path, status (match | suppressed by an allow-list | allowed), bank, entry, signalType, distance.\n' +
      'Exit status (as grep): 0 something matched, 1 nothing matched, 2 a file could not be checked or usage error.',
  )
  .action(async (paths: string[], opts: Record<string, unknown>) => {
    const result = await runMatch(paths, {
      format: opts.format as 'jsonl' | 'table',
      radius: opts.radius as number,
      videoMatchPercent: opts.videoMatchPercent as number,
      secondsPerHash: opts.secondsPerHash as number,
      store: {
        dataDir: opts.dataDir as string,
        ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl as string } : {}),
      },
    });
    process.exitCode = result.exitCode;
  });

program
  .command('serve')
  .description('Run the delivery server (docs/delivery.md) until SIGINT or SIGTERM')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--port <n>', 'port to listen on (0 picks a free one)', integerOption('--port', 0, 65535), 8080)
  .option('--data-dir <dir>', 'folder of the embedded SQLite store, franking key and blobs', DEFAULT_DATA_DIR)
  .addOption(
    new Option('--database-url <url>', 'PostgreSQL connection URL (instead of the embedded store)').env(
      'SAFELIGHT_DATABASE_URL',
    ),
  )
  .addOption(new Option('--schema <name>', 'PostgreSQL schema').env('SAFELIGHT_DATABASE_SCHEMA'))
  .option('--web-root <dir>', 'the built web app to serve at / and /console (default: apps/web/dist)')
  .addOption(
    new Option('--staff-token <token>', 'moderator console token (default: generated into the data dir)').env(
      'SAFELIGHT_STAFF_TOKEN',
    ),
  )
  .option('--bank <file>', 'PDQ hashes (hex per line, optional id after a space) detection matches against')
  .option(
    '--detection <mode>',
    'detection mode: server-plaintext, client-match (default with --bank), psi-threshold, he-fuzzy or enclave',
  )
  .action(async (opts: Record<string, unknown>) => {
    process.exitCode = await runServe({
      ...(opts.webRoot ? { webRoot: opts.webRoot as string } : {}),
      ...(opts.staffToken ? { staffToken: opts.staffToken as string } : {}),
      ...(opts.bank ? { bankFile: opts.bank as string } : {}),
      ...(opts.detection ? { detection: opts.detection as string } : {}),
      host: opts.host as string,
      port: opts.port as number,
      dataDir: opts.dataDir as string,
      ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl as string } : {}),
      ...(opts.schema ? { schema: opts.schema as string } : {}),
    });
  });

await program.parseAsync(process.argv);
