import type { Argument, Command, Help, Option } from 'commander';
import { CONFIG_ENV, DEFAULT_TIMEOUT, NOW_ENV } from './cli-context';
import { EXIT_INTERNAL, EXIT_OK, EXIT_REJECTED, EXIT_UNAVAILABLE, EXIT_USAGE } from './exit-codes';

const HEADER = `<!-- Generated from the command definitions by \`npm run docs -w @mycel/mycelctl\` (the hidden \`mycelctl docs\` command); do not edit. -->

# mycelctl

\`mycelctl\` is the command-line client of Mycel control planes, in the style of \`kumactl\`. It drives
the REST API ([api.md](api.md)): it creates and updates resources from files, lists and shows them,
deletes them, summarises dataplanes, services, meshes and zones, and issues tokens.

\`\`\`sh
npm run build
node services/mycelctl/dist/main.js --help        # or \`mycelctl\` once the workspace's bin is linked
\`\`\`

## Quick start

\`\`\`sh
# a control plane on this machine (npm start writes ~/.mycel/admin-token)
mycelctl config control-planes add --name local --address http://localhost:5681 \\
  --auth-token-file ~/.mycel/admin-token
mycelctl version
mycelctl get meshes
mycelctl apply -f demo/                      # every *.yaml, *.yml and *.json file, by name
mycelctl apply -f dp.yaml --var addr=10.0.0.7 --dry-run
mycelctl get dataplanes --mesh demo -o yaml
mycelctl inspect services --all-meshes
mycelctl delete dataplane web-1 --mesh demo
\`\`\`

## Configuration

Control planes are kept in \`~/.mycel/config.yaml\` (\`--config-file\`, or \`$${CONFIG_ENV}\`, to use another
file), written with mode 0600 because it may hold tokens. Until the file exists, mycelctl talks to
\`local\` at \`http://localhost:5681\` without a token (what \`npm start\` serves with
\`--localhost-is-admin\`). \`config control-planes add\` contacts the control plane before saving it:
\`GET /\` must name Mycel and \`GET /_resources\` must accept the token (\`--no-check\` skips this).
\`--auth-token-file\` stores the file's path and reads it on every command, so a rotated token file is
picked up; \`--auth-token\` stores the token itself. For https addresses, \`--ca-cert-file\` names the CA
that signed the server's certificate and \`--skip-verify\` disables verification (development only).

## Resource types

Types are never compiled into mycelctl: \`get\`, \`delete\` and \`apply\` use the control plane's catalog
(\`GET /_resources\`), and accept a type's plural, singular or name (\`dataplanes\`, \`dataplane\`,
\`Dataplane\`). Mesh-scoped types use \`--mesh\` (default \`default\`) or \`--all-meshes\`.

## Output

Data goes to stdout, messages and errors to stderr. \`-o table\` (the default of \`get\` and \`inspect\`)
has columns that fit each type — meshes: NAME, MTLS, METRICS, TRACING, LOGGING, AGE; dataplanes:
MESH, NAME, TAGS, STATUS, AGE (STATUS from the dataplane's insight: no insight means \`offline\`);
zones: NAME, ENABLED, STATUS, AGE; other types: NAME, MESH (mesh-scoped types), AGE, VERSION. AGE
is shown like kubectl's (\`45s\`, \`5m30s\`, \`3h\`, \`4d6h\`). An empty listing prints nothing on
stdout and says so on stderr. \`-o yaml\` and \`-o json\` print a resource as the API returns it, and a
listing as \`{items, total, next}\` where \`next\` is the \`--offset\` of the next page (or null); both can
be fed back to \`apply -f\`.

## apply

Each document needs \`type\` and \`name\`; mesh-scoped documents without \`mesh\` get \`--mesh\` (or
\`default\`), and a document whose mesh differs from \`--mesh\` is refused. A list of resources, or a
listing as printed by \`get -o yaml|json\`, is applied item by item. \`--var name=value\` replaces
\`{{ name }}\` (spaces optional) in the file text before parsing; a placeholder without a value is an
error. All documents are checked for these rules before anything is sent; then Meshes are applied
first and the rest in file order, printing one line per resource:

\`\`\`
mesh/demo created
dataplane demo/web-1 updated
dataplane demo/web-2 unchanged
\`\`\`

The first resource the control plane rejects stops the apply with its problem (the field path and
reason of every violation); the resources printed before it stay applied. \`--dry-run\` sends
\`PUT …?dryRun=true\`: the control plane runs every check (authorization, validation, If-Match, the
mesh exists) and answers as it would, but stores nothing; lines end with \`(dry run)\`. A resource in
a mesh created by the same dry run cannot find its mesh on the server; the server checks the mesh
last, so its 404 there means everything else passed and it is reported as \`created (dry run)\`.

## Exit codes

| code | meaning |
|---|---|
| ${EXIT_OK} | success |
| ${EXIT_INTERNAL} | an unexpected error: a bug in mycelctl (\`--verbose\` prints the stack) |
| ${EXIT_USAGE} | usage: bad flags or arguments, unknown type, unreadable or invalid input or config file; nothing was changed |
| ${EXIT_REJECTED} | the control plane rejected the request (4xx: invalid resource, not found, unauthenticated, forbidden, conflict), or does not support the feature yet |
| ${EXIT_UNAVAILABLE} | the control plane could not be reached (connection refused, unknown host, TLS failure, timeout after \`--timeout\`, ${DEFAULT_TIMEOUT} by default) or failed (5xx) |

Rejections print the problem readably:

\`\`\`
Error: applying dataplane demo/web-2 (from dp.yaml, document 2): Invalid Resource (400)
  spec.networking.inbound[0].port: must be between 1 and 65535, got 70000
\`\`\`

## Features that wait for the control plane

\`inspect dataplane --type config|rules\` (\`GET /meshes/{mesh}/dataplanes/{name}/_config\` and \`/_rules\`)
and \`generate dataplane-token\` (\`POST /tokens/dataplane\` with \`{mesh, name, tags?, validFor}\` → \`{token}\`)
call endpoints that an older control plane does not serve. They say so — \`Error: the control plane does not
support dataplane tokens yet (405 Method Not Allowed: …)\` — and exit ${EXIT_REJECTED}. Zone status comes from ZoneInsights, which only a global control plane
with connected zones writes.

## Zone tokens

\`generate zone-token\` (\`POST /tokens/zone\` with \`{zone, validFor}\` → \`{token, id, zone, expiresAt}\`) and
\`revoke zone-token\` (\`POST /tokens/zone/revocations\` with \`{id}\`) talk to the **global** control plane
started in zone-token mode (\`--kds-auth-dir\`, see docs/multizone.md). The token is NATS credentials; it is
printed to stdout (or written with mode 0600 by \`--output-file\`) and its id goes to stderr. A zone or
standalone control plane answers 404 and a global one without zone-token mode 409, each saying why;
mycelctl shows that answer and exits ${EXIT_REJECTED}.

## Environment

| variable | meaning |
|---|---|
| \`${CONFIG_ENV}\` | config file, when \`--config-file\` is not given |
| \`${NOW_ENV}\` | an RFC 3339 time AGE columns are measured to instead of the clock; for tests (golden outputs) only |
| \`HOME\` | where \`~/.mycel/config.yaml\` is |

## Why commander

mycelctl uses [commander](https://github.com/tj/commander.js) 14, already the zone-cp's parser: nested
subcommands, choices, conflicting options and required options are declared rather than hand-checked,
its errors can be intercepted (\`exitOverride\`) so every exit code is decided in one place, and its
public \`Help\` API exposes the command tree, from which this page and the shell completions are
generated, so neither can drift from the definitions. yargs or oclif would have added a dependency
and, for oclif, a plugin/manifest build step for no gain here.
`;

/**
 * The command reference (docs/cli.md) as Markdown: fixed sections, then every visible command with
 * its usage, description, arguments and options, depth-first in definition order. Deterministic:
 * nothing depends on the environment.
 */
export function renderCliDocs(program: Command): string {
  const help = program.createHelp();
  const commands: Command[] = [];
  const walk = (cmd: Command): void => {
    for (const sub of help.visibleCommands(cmd)) {
      commands.push(sub);
      walk(sub);
    }
  };
  walk(program);

  const out: string[] = [HEADER.trimEnd(), '', '## Commands', ''];
  for (const cmd of commands) out.push(`- [\`${fullName(cmd)}\`](#${anchor(fullName(cmd))}) — ${prose(firstSentence(help.subcommandDescription(cmd)))}`);
  out.push('', '### Global options', '', 'Accepted by every command.', '', ...optionTable(help, program.options.filter((o) => !o.hidden)), '');
  for (const cmd of commands) {
    out.push(`### \`${fullName(cmd)}\``, '', prose(help.commandDescription(cmd)), '', '```', `Usage: ${help.commandUsage(cmd)}`, '```', '');
    const args = cmd.registeredArguments;
    if (args.length > 0) out.push(...argumentTable(help, args), '');
    const options = cmd.options.filter((o) => !o.hidden);
    if (options.length > 0) out.push(...optionTable(help, options), '');
    if (help.visibleCommands(cmd).length > 0) {
      out.push('Subcommands: ' + help.visibleCommands(cmd).map((c) => `[\`${c.name()}\`](#${anchor(fullName(c))})`).join(', ') + '.', '');
    }
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

function optionTable(help: Help, options: readonly Option[]): string[] {
  return ['| option | description |', '|---|---|', ...options.map((o) => `| \`${o.flags}\` | ${cell(help.optionDescription(o))}${o.mandatory ? ' (required)' : ''} |`)];
}

function argumentTable(help: Help, args: readonly Argument[]): string[] {
  return ['| argument | description |', '|---|---|', ...args.map((a) => `| \`${help.argumentTerm(a)}\` | ${cell(help.argumentDescription(a))} |`)];
}

function fullName(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function anchor(heading: string): string {
  return heading.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-');
}

function firstSentence(text: string): string {
  const m = /^(.*?[^.]\.)(\s|$)/.exec(text);
  return (m ? m[1] : text) ?? text;
}

function cell(text: string): string {
  return prose(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Text from a definition as Markdown: `*` (as in `*.yaml`) must not start emphasis. */
function prose(text: string): string {
  return text.replace(/\*/g, '\\*');
}
