/**
 * The `pulumi` commands the README tells a user to type, read out of its "Make your own stack" and
 * "Deploy" sections' ```sh blocks, in order, each split into words as the shell splits it. Other
 * commands there (`aws s3 cp` against a real bucket, `npm ci`) are not the CLI's and are left out;
 * a `pulumi` line the shell would do more with than run one command (a pipe, a substitution, a
 * redirection) is refused, so the test never runs something other than what is written.
 */

export interface ReadmeCommand {
    /** The line as written, without its comment. */
    readonly text: string;
    /** Its words after the shell's quote removal: `pulumi`, then the arguments. */
    readonly words: readonly string[];
}

/** The README's sections whose commands a user runs to deploy a stack of their own, in order. */
export const DEPLOY_SECTIONS = ["Make your own stack", "Deploy"] as const;

/** The body of a `## <title>` section, up to the next `## ` heading. */
export function section(markdown: string, title: string): string {
    const lines = markdown.split("\n");
    const start = lines.findIndex((l) => l.trim() === `## ${title}`);
    if (start < 0) throw new Error(`README.md has no "## ${title}" section`);
    const end = lines.findIndex((l, i) => i > start && l.startsWith("## "));
    return lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
}

/** The lines of every ```sh block in `text`. */
export function shellLines(text: string): string[] {
    const out: string[] = [];
    let inBlock = false;
    for (const line of text.split("\n")) {
        if (/^```sh\s*$/.test(line.trim())) inBlock = true;
        else if (line.trim().startsWith("```")) inBlock = false;
        else if (inBlock) out.push(line);
    }
    return out;
}

/**
 * Splits a line into words as POSIX sh does for a simple command: blanks separate words, '…' is
 * literal, "…" keeps everything but \" \\ \$ \` escapes, and an unquoted # at a word's start begins
 * a comment. Throws on what would make it more than one plain command.
 */
export function shellWords(line: string): { words: string[]; text: string } {
    const words: string[] = [];
    let word: string | undefined;
    let i = 0;
    for (; i < line.length; i++) {
        const c = line[i];
        if (c === " " || c === "\t") {
            if (word !== undefined) words.push(word);
            word = undefined;
        } else if (c === "#" && word === undefined) {
            break;
        } else if (c === "'") {
            const close = line.indexOf("'", i + 1);
            if (close < 0) throw new Error(`unterminated ' in: ${line}`);
            word = (word ?? "") + line.slice(i + 1, close);
            i = close;
        } else if (c === "\"") {
            let value = "";
            for (i++; i < line.length && line[i] !== "\""; i++) {
                if (line[i] === "\\" && "\"\\$`".includes(line[i + 1] ?? "")) value += line[++i];
                else if (line[i] === "$" || line[i] === "`") throw new Error(`a substitution in: ${line}`);
                else value += line[i];
            }
            if (i >= line.length) throw new Error(`unterminated " in: ${line}`);
            word = (word ?? "") + value;
        } else if ("|&;<>()$`\\*?[".includes(c) && !(c === "[" && word !== undefined)) {
            throw new Error(`\`${c}\` makes this more than one plain command: ${line}`);
        } else {
            word = (word ?? "") + c;
        }
    }
    if (word !== undefined) words.push(word);
    return { words, text: line.slice(0, i).trim() };
}

/** The `pulumi` commands of the README's deploy sections, in the order a user meets them. */
export function readmeCommands(markdown: string): ReadmeCommand[] {
    return DEPLOY_SECTIONS.flatMap((title) => shellLines(section(markdown, title)))
        .filter((line) => /^pulumi\s/.test(line.trim()))
        .map((line) => shellWords(line.trim()));
}
