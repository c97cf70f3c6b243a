// Command-line flags of the project's commands: `--name value` options and bare switches; anything else is refused.
import { UserError } from "./user-error";

export interface Arguments {
    values: Record<string, string>;
    switches: Set<string>;
}

export function parseArguments(argv: string[], options: { values: readonly string[]; switches: readonly string[] }, usage: string): Arguments {
    const values: Record<string, string> = {};
    const switches = new Set<string>();
    for (let index = 0; index < argv.length; index++) {
        const argument = argv[index];
        if (options.switches.includes(argument)) {
            switches.add(argument);
        } else if (options.values.includes(argument)) {
            const value = argv[++index];
            if (value === undefined || value.startsWith("--")) throw new UserError(`${argument} needs a value\n${usage}`);
            values[argument] = value;
        } else {
            throw new UserError(`unknown argument ${argument}\n${usage}`);
        }
    }
    return { values, switches };
}
