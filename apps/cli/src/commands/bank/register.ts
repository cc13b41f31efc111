import {
  BANK_FORMATS,
  BANK_KINDS,
  type BankFormat,
  type BankKind,
  CSV_SHAPES,
  type CsvShape,
  DEFAULT_DATA_DIR,
  DEFAULT_MAX_LINE_BYTES,
  HashbankError,
  parseSignalType,
  SIGNAL_TYPES,
  type SignalType,
} from '@safelight/hashbank';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { integerOption } from '../../option-parsers.js';
import { runBankCommit } from './commit.js';
import type { StoreOptions } from './context.js';
import { runBankCreate } from './create.js';
import { runBankExport } from './export.js';
import { runBankImport } from './import.js';
import { runBankList } from './list.js';
import { runBankStats } from './stats.js';

function signalType(value: string): SignalType {
  try {
    return parseSignalType(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof HashbankError ? error.message : String(error));
  }
}

/** Store options given on `bank` or any subcommand (commander merges them in optsWithGlobals). */
function store(command: Command): StoreOptions {
  const opts = command.optsWithGlobals() as { dataDir: string; databaseUrl?: string; schema?: string };
  return {
    dataDir: opts.dataDir,
    ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
    ...(opts.schema ? { schema: opts.schema } : {}),
  };
}

/** `safelight bank ...`: create, import, export, list, stats, commit. */
export function registerBankCommands(program: Command): void {
  const bank = program
    .command('bank')
    .description(
      'Hash banks: named lists of PDQ, vPDQ, MD5 and SHA-256 signals (SQLite by default, or PostgreSQL)',
    )
    .option('--data-dir <dir>', 'folder of the embedded SQLite database', DEFAULT_DATA_DIR)
    .addOption(
      new Option('--database-url <url>', 'use PostgreSQL (postgres://...) instead of SQLite').env(
        'SAFELIGHT_DATABASE_URL',
      ),
    )
    .addOption(
      new Option('--schema <name>', 'PostgreSQL schema for the tables (default public)').env(
        'SAFELIGHT_DATABASE_SCHEMA',
      ),
    )
    .addHelpText('after', '\nExit status: 0 done, 1 failed (reason on stderr), 2 usage error.');

  bank
    .command('create')
    .description('create an empty bank (UPPER_SNAKE name)')
    .argument('<name>', 'bank name, e.g. NCMEC_HASHES')
    .addOption(
      new Option('--kind <kind>', 'match: known content; allow: matches suppress hits')
        .choices(BANK_KINDS)
        .default('match'),
    )
    .option('--description <text>', 'what the bank holds and where it comes from')
    .option('--disabled', 'create it switched off (takes no part in matching)', false)
    .action(
      async (
        name: string,
        opts: { kind: BankKind; description?: string; disabled: boolean },
        command: Command,
      ) => {
        process.exitCode = await runBankCreate(name, opts, store(command));
      },
    );

  bank
    .command('import')
    .description('import a hash list file into a bank: all or nothing unless --skip-invalid')
    .argument('<name>', 'bank name')
    .argument('<file>', 'hash list (.txt/.hex, .csv, .jsonl)')
    .addOption(
      new Option('-f, --format <format>', 'file format (default: from the extension)').choices(BANK_FORMATS),
    )
    .option(
      '--signal-type <type>',
      `signal type of hex lines and headerless CSV (${SIGNAL_TYPES.join(', ')}; default pdq)`,
      signalType,
    )
    .option('--source <org>', 'source organisation recorded on entries whose line names none')
    .option('--skip-invalid', 'import the valid lines and list the skipped ones with their reasons', false)
    .option(
      '--max-line-bytes <n>',
      `longest line accepted (default ${DEFAULT_MAX_LINE_BYTES})`,
      integerOption('--max-line-bytes', 1),
    )
    .option('--json', 'print the result as JSON (with up to 10,000 skipped lines)', false)
    .option('--no-progress', 'never draw the progress bar (only drawn on a terminal anyway)')
    .action(
      async (
        name: string,
        file: string,
        opts: {
          format?: BankFormat;
          signalType?: SignalType;
          source?: string;
          skipInvalid: boolean;
          maxLineBytes?: number;
          json: boolean;
          progress: boolean;
        },
        command: Command,
      ) => {
        process.exitCode = await runBankImport(name, file, opts, store(command));
      },
    );

  bank
    .command('export')
    .description('write a bank sorted by signal type and value (jsonl carries everything)')
    .argument('<name>', 'bank name')
    .addOption(new Option('-f, --format <format>', 'output format').choices(BANK_FORMATS).default('jsonl'))
    .option('--signal-type <type>', 'only this signal type (hex and rollup CSV hold one type)', signalType)
    .addOption(
      new Option('--csv-shape <shape>', 'CSV shape: dataset (with header) or rollup (HMA sample data)')
        .choices(CSV_SHAPES)
        .default('dataset'),
    )
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(
      async (
        name: string,
        opts: { format: BankFormat; signalType?: SignalType; csvShape: CsvShape; output?: string },
        command: Command,
      ) => {
        process.exitCode = await runBankExport(name, opts, store(command));
      },
    );

  bank
    .command('list')
    .description('list banks with their kind, switch and active entry count')
    .option('--json', 'one JSON object per bank', false)
    .action(async (opts: { json: boolean }, command: Command) => {
      process.exitCode = await runBankList(opts, store(command));
    });

  bank
    .command('stats')
    .description("a bank's entry counts by signal type and its last commitment")
    .argument('<name>', 'bank name')
    .option('--json', 'as JSON', false)
    .action(async (name: string, opts: { json: boolean }, command: Command) => {
      process.exitCode = await runBankStats(name, opts, store(command));
    });

  bank
    .command('commit')
    .description("publish a Merkle root over the bank's active entries (or prove one entry)")
    .argument('<name>', 'bank name')
    .option('--prove <type:value>', 'print an inclusion proof of this entry against the current root')
    .action(async (name: string, opts: { prove?: string }, command: Command) => {
      process.exitCode = await runBankCommit(name, opts, store(command));
    });
}
