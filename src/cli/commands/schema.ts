/**
 * `quality-gates schema`: the JSON Schema of `.github/quality-gates.yml`, from the same
 * generator as the committed `docs/quality-gates.schema.json` (`src/load/config/json-schema.ts`).
 */
import { renderJsonSchema } from '../../load/config/json-schema.js';
import { EXIT, parseCommandArgs, write, type CliContext } from '../io.js';

export const SCHEMA_HELP = `Usage: quality-gates schema

Prints the JSON Schema (draft 2020-12) of .github/quality-gates.yml, generated
from the same schema the app validates with. Point your editor at it for
completion and validation, e.g. for the YAML language server:

  quality-gates schema > quality-gates.schema.json
  # first line of .github/quality-gates.yml:
  # yaml-language-server: $schema=../quality-gates.schema.json

Options:
  -h, --help   show this help
`;

export async function runSchema(args: readonly string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs('schema', args, { help: { type: 'boolean', short: 'h' } }, false);
  if (values.help) {
    await write(ctx.stdout, SCHEMA_HELP);
    return EXIT.ok;
  }
  await write(ctx.stdout, renderJsonSchema());
  return EXIT.ok;
}
