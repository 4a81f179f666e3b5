/** Lints a snippet as if it were `filePath`, with the repository's own ESLint config; the messages of `rules` only. */
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });

export function problemsOf(...rules: string[]): (filePath: string, code: string) => Promise<string[]> {
  return async (filePath, code) => {
    const [result] = await eslint.lintText(code, { filePath });
    return (result?.messages ?? []).filter((m) => rules.includes(m.ruleId ?? '')).map((m) => m.message);
  };
}
