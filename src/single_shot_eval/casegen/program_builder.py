"""Candidate inputs of one CLI program: every subcommand path with its options and values,
the rich invocation under every choice, mutants of the kept inputs, or (without a parser)
candidates from the source's vocabulary."""

from __future__ import annotations

import re
from dataclasses import replace

from single_shot_eval.casegen.program_values import (
    CSV_HEADER,
    STR_EDGES,
    Candidate,
    ValuePools,
    argument_slot,
    command_paths,
    help_examples,
)
from single_shot_eval.casegen.program_vocabulary import ParserSpec, add_unique


class CandidateBuilder(ValuePools):
    """Builds the candidates of one program from its parser (or vocabulary) and literals."""

    def mutants(self, seeds: list[Candidate], count: int) -> list[Candidate]:
        """Small changes to inputs that already reach new code: one argv word or stdin line
        replaced, inserted or removed (the classic coverage-guided fuzzing step)."""
        if not seeds:
            return []
        lines = self.line_pool()
        words = [*self.vocab.words[:10], *self.int_values()[:8], *self.float_values()[:5]]
        out: list[Candidate] = []
        documents: list[str] = []
        for number in range(count):
            seed = seeds[number % len(seeds)]
            args = list(seed.args)
            stdin_lines = seed.stdin.splitlines()
            if not seed.stdin and self.vocab.reads_stdin and args and self.rng.random() < 0.25:
                # A flag that turns on reading stdin (`--interactive`) shows nothing without it.
                documents = documents or self.stdin_values()[1:]
                stdin_lines = self.rng.choice(documents).splitlines()
            elif seed.stdin and (not args or self.rng.random() < 0.6):
                choice = self.rng.random()
                at = self.rng.randrange(len(stdin_lines) + 1)
                if choice < 0.5 and stdin_lines:
                    stdin_lines[min(at, len(stdin_lines) - 1)] = self.rng.choice(lines)
                elif choice < 0.8 or not stdin_lines:
                    stdin_lines.insert(at, self.rng.choice(lines))
                else:
                    del stdin_lines[min(at, len(stdin_lines) - 1)]
            elif self.option_pools and self.rng.random() < 0.7:
                changed = self._mutate_options(seed)
                if changed is None:
                    continue
                out.append(replace(changed, name=f"{seed.name}_m{number}"[:48]))
                continue
            elif args:
                # Never replace a subcommand or an option name: only their values.
                slots = [i for i, word in enumerate(args) if not word.startswith("-")
                         and not (i == 0 and seed.name.split("_")[0] == word)]
                if not slots:
                    continue
                args[self.rng.choice(slots)] = self.rng.choice(words)
            else:
                continue
            stdin = "\n".join(stdin_lines) + ("\n" if stdin_lines else "")
            out.append(Candidate(f"{seed.name}_m{number}"[:48], tuple(args), stdin=stdin,
                                 files=seed.files))
        return out

    def _mutate_options(self, seed: Candidate) -> Candidate | None:
        """`seed` with one option of its (sub)command added, given another value of its own
        pool, or removed: combinations of options that no one-at-a-time variation tries."""
        prefix = max((p for p in self.option_pools if seed.args[:len(p)] == p), key=len,
                     default=None)
        if prefix is None:
            return None
        args = list(seed.args)
        files = dict(seed.files)
        options = self.option_pools[prefix]
        present = [(i, arg, pool) for arg, pool in options for i, word in enumerate(args)
                   if word in arg.options]
        choice = self.rng.random()
        if present and choice < 0.35:
            at, arg, pool = self.rng.choice(present)
            if arg.flag or at + 1 >= len(args) or not pool:
                return None
            words, extra = pool[self.rng.randrange(len(pool))]
            args[at + 1:at + 1 + len(words)] = words
            files.update(extra)
        elif present and choice < 0.5:
            at, arg, _ = self.rng.choice(present)
            del args[at:at + (1 if arg.flag else 2)]
        else:
            absent = [(arg, pool) for arg, pool in options
                      if not any(word in arg.options for word in args)]
            if not absent:
                return None
            arg, pool = self.rng.choice(absent)
            inserted = [arg.option]
            if not arg.flag and pool:
                words, extra = pool[self.rng.randrange(len(pool))]
                inserted.extend(words)
                files.update(extra)
            elif not arg.flag:
                return None
            args[len(prefix):len(prefix)] = inserted
        return Candidate(seed.name, tuple(args), stdin=seed.stdin,
                         files=tuple(sorted(files.items())))

    # argparse ---------------------------------------------------------------------------

    def argparse_candidates(self, spec: ParserSpec) -> list[Candidate]:
        # Names the help texts' formats introduce (`a` and `b` of edges `a-b`) are values other
        # arguments may refer to (`--start a`).
        for _, parser in command_paths(spec):
            for action in parser.actions:
                for example in help_examples(" ".join(filter(None, (action.metavar,
                                                                     action.help)))):
                    add_unique(self.cross_tokens, *re.findall(r"[A-Za-z_]\w{0,11}", example))
        out: list[Candidate] = [
            Candidate("help", ("--help",), exit_code_only=True, always_keep=True),
            Candidate("usage_error", ("--no-such-option-xyz",), exit_code_only=True,
                      always_keep=True),
        ]
        if any(a.kind == "_VersionAction" for a in spec.actions):
            version = next(a for a in spec.actions if a.kind == "_VersionAction")
            out.append(Candidate("version", (version.option,), exit_code_only=True))
        per_path: list[list[Candidate]] = []
        for prefix, parser in command_paths(spec):
            mine = self._path_candidates(prefix, parser)
            if prefix and mine:
                # The main parser's own options go before the subcommand (`--verbose clone
                # URL`): the branches they guard sit in the subcommands' handlers.
                mine[1:1] = self._global_variants(spec, mine[0])
            per_path.append(mine)
            if prefix:
                out.append(Candidate(f"help_{'_'.join(prefix)}", (*prefix, "--help"),
                                     exit_code_only=True))
        # Round-robin over command paths so each subcommand gets its share of the limit.
        for round_ in range(max((len(p) for p in per_path), default=0)):
            for path in per_path:
                if round_ < len(path):
                    out.append(path[round_])
        return out

    def _global_variants(self, spec: ParserSpec, base: Candidate) -> list[Candidate]:
        """`base` (a subcommand's typical input) after each optional argument of the main
        parser in turn (a flag, or an option at its first two values), then after all flags."""
        options = [(i, a) for i, a in enumerate(spec.actions) if not a.positional
                   and not a.required and a.subcommands is None
                   and a.kind not in {"_HelpAction", "_VersionAction"}]
        out: list[Candidate] = []
        flags: list[str] = []
        for i, arg in options:
            if arg.flag:
                flags.append(arg.option)
                out.append(replace(base, name=f"{base.name}_g{i}", args=(arg.option,
                                                                          *base.args)))
                continue
            pool = self.argument_values(arg, argument_slot(arg, i))
            for start in range(min(2, len(pool))):
                words, extra = self._words(arg, pool, max(1, self._arity(arg)[0]), start)
                out.append(replace(base, name=f"{base.name}_g{i}_{start}",
                                   args=(arg.option, *words, *base.args),
                                   files=tuple(dict([*base.files, *extra]).items())))
        if len(flags) > 1:
            out.append(replace(base, name=f"{base.name}_gflags", args=(*flags, *base.args)))
        return out

    def _path_candidates(self, prefix: tuple[str, ...], parser: ParserSpec) -> list[Candidate]:
        args = [a for a in parser.actions if a.kind not in {
            "_HelpAction", "_VersionAction", "_SubParsersAction"}]
        values = {a.dest + str(i): self.argument_values(a, argument_slot(a, i))
                  for i, a in enumerate(args)}
        self.option_pools[prefix] = [(a, values[a.dest + str(i)]) for i, a in enumerate(args)
                                     if not a.positional]

        def base_parts(skip: int | None = None) -> tuple[list[str], list[str], list[tuple[str,
                                                                                        str]]]:
            options: list[str] = []
            positionals: list[str] = []
            files: list[tuple[str, str]] = []
            for i, arg in enumerate(args):
                if i == skip:
                    continue
                pool = values[arg.dest + str(i)]
                if not pool:
                    continue
                if arg.positional:
                    words, extra = self._words(arg, pool, self._arity(arg)[0], 0)
                    positionals.extend(words)
                    files.extend(extra)
                elif arg.required:
                    words, extra = self._words(arg, pool, max(1, self._arity(arg)[0]), 0)
                    options.extend([arg.option, *words])
                    files.extend(extra)
            return options, positionals, files

        name = "_".join(prefix) or "main"
        out: list[Candidate] = []
        options, positionals, files = base_parts()
        out.append(Candidate(f"{name}_base", (*prefix, *options, *positionals),
                             files=tuple(files)))
        variations: list[list[Candidate]] = []
        for i, arg in enumerate(args):
            pool = values[arg.dest + str(i)]
            mine: list[Candidate] = []
            opts, pos, fs = base_parts(skip=i)
            if arg.positional:
                before = [a for a in args[:i] if a.positional]
                at = sum(self._arity(a)[0] for a in before)
                for arity in self._arity(arg):
                    for start in range(len(pool) if arity else 1):
                        words, extra = self._words(arg, pool, arity, start)
                        argv = (*prefix, *opts, *pos[:at], *words, *pos[at:])
                        mine.append(Candidate(f"{name}_{arg.dest}_{len(mine)}", argv,
                                              files=tuple(fs) + extra))
                if str(arg.nargs) in {"*", "+"} and len(pool) > 3:
                    # Many values at once (`a-b b-c c-d d-a`): a list long enough to loop.
                    words, extra = self._words(arg, pool, min(len(pool), 8), 0)
                    mine.insert(1, Candidate(f"{name}_{arg.dest}_many", (
                        *prefix, *opts, *pos[:at], *words, *pos[at:]), files=tuple(fs) + extra))
            elif arg.flag:
                argv = (*prefix, *opts, arg.option, *pos)
                mine.append(Candidate(f"{name}_{arg.dest}", argv, files=tuple(fs)))
                if arg.kind == "_CountAction" and len(arg.options) and \
                        len(min(arg.options, key=len)) == 2:
                    short = min(arg.options, key=len)
                    mine.append(Candidate(f"{name}_{arg.dest}_twice",
                                          (*prefix, *opts, short, short, *pos), files=tuple(fs)))
            else:
                arity = max(1, self._arity(arg)[0])
                for start in range(len(pool)):
                    words, extra = self._words(arg, pool, arity, start)
                    argv = (*prefix, *opts, arg.option, *words, *pos)
                    if arg.kind in {"_AppendAction", "_ExtendAction"}:
                        more, extra2 = self._words(arg, pool, arity, start + 1)
                        argv = (*argv[: len(argv) - len(pos)], arg.option, *more, *pos)
                        extra += extra2
                    mine.append(Candidate(f"{name}_{arg.dest}_{start}", argv,
                                          files=tuple(fs) + extra))
            variations.append(mine)
        # Interleave: first value of every argument, then second values, ...
        for round_ in range(max((len(v) for v in variations), default=0)):
            for mine in variations:
                if round_ < len(mine):
                    out.append(mine[round_])
        # A rich base (every valued option at its typical value) with each flag on top: options
        # such as `--as-of DATE` often make the flags' output deterministic. Then the rich base
        # under every choice of every option that has choices (`--mode path --start a --end
        # a`), and an alternate rich base whose options take other values (`--end b`).
        group_of = {dest: n for n, group in enumerate(parser.exclusive) for dest in group}
        rich_args: list[int] = []
        rich_groups: set[int] = set()
        for i, arg in enumerate(args):
            if arg.positional or arg.required or arg.flag or not values[arg.dest + str(i)]:
                continue
            if _claim_group(group_of.get(arg.dest), rich_groups):
                rich_args.append(i)

        def rich_argv(shift: int, override: tuple[int, int] | None = None) -> tuple[
                list[str], tuple[tuple[str, str], ...]]:
            words_out: list[str] = []
            extra_files: list[tuple[str, str]] = list(files)
            for rank, i in enumerate(rich_args):
                arg = args[i]
                pool = values[arg.dest + str(i)]
                start = override[1] if override is not None and override[0] == i else \
                    (rank + 1) * shift
                words, extra = self._words(arg, pool, max(1, self._arity(arg)[0]), start)
                words_out.extend([arg.option, *words])
                extra_files.extend(extra)
            return words_out, tuple(dict(extra_files).items())

        # The positionals with every list argument at many values (see `_many` above).
        many: list[str] = []
        many_files: list[tuple[str, str]] = []
        for i, arg in enumerate(args):
            pool = values[arg.dest + str(i)]
            if arg.positional and pool:
                count = min(len(pool), 8) if str(arg.nargs) in {"*", "+"} and len(pool) > 3 \
                    else self._arity(arg)[0]
                words, extra = self._words(arg, pool, count, 0)
                many.extend(words)
                many_files.extend(extra)
        if rich_args:
            rich, rich_files_t = rich_argv(0)
            out.append(Candidate(f"{name}_rich", (*prefix, *options, *rich, *positionals),
                                 files=rich_files_t))
            for arg in args:
                if arg.flag and group_of.get(arg.dest) not in rich_groups:
                    out.append(Candidate(f"{name}_rich_{arg.dest}",
                                         (*prefix, *options, *rich, arg.option, *positionals),
                                         files=rich_files_t))
            for shift in (0, 1):
                for i in rich_args:
                    for choice in range(len(args[i].choices or ())):
                        varied, varied_files = rich_argv(shift, (i, choice))
                        out.append(Candidate(
                            f"{name}_rich{shift}_{args[i].dest}_{choice}",
                            (*prefix, *options, *varied, *positionals), files=varied_files))
                        if not shift and many != positionals:
                            out.append(Candidate(
                                f"{name}_rich_many_{args[i].dest}_{choice}",
                                (*prefix, *options, *varied, *many),
                                files=tuple(dict([*varied_files, *many_files]).items())))
                if shift:
                    varied, varied_files = rich_argv(shift)
                    out.append(Candidate(f"{name}_rich_alt",
                                         (*prefix, *options, *varied, *positionals),
                                         files=varied_files))
        # Seeded combinations: several optional arguments at once (never two of one group).
        optional = [(i, a) for i, a in enumerate(args) if not a.positional and not a.required]
        for number in range(3 if optional else 0):
            chosen: list[str] = []
            extra_files: list[tuple[str, str]] = list(files)
            used_groups: set[int] = set()
            for i, arg in optional:
                if self.rng.random() < 0.5:
                    continue
                if not _claim_group(group_of.get(arg.dest), used_groups):
                    continue
                if arg.flag:
                    chosen.append(arg.option)
                else:
                    pool = values[arg.dest + str(i)]
                    words, extra = self._words(arg, pool, max(1, self._arity(arg)[0]),
                                               self.rng.randrange(len(pool)))
                    chosen.extend([arg.option, *words])
                    extra_files.extend(extra)
            out.append(Candidate(f"{name}_combo_{number}", (*prefix, *options, *chosen,
                                                            *positionals),
                                 files=tuple(dict(extra_files).items())))
        # Two options of one mutually exclusive group: a usage error by construction.
        for exclusive in parser.exclusive:
            members = [a for a in args if a.dest in exclusive and not a.positional]
            if len(members) >= 2:
                clash: list[str] = [*prefix, *options]
                for member in members[:2]:
                    clash.append(member.option)
                    if not member.flag:
                        clash.extend(values[member.dest + str(args.index(member))][0][0])
                out.append(Candidate(f"{name}_exclusive_clash", (*clash, *positionals),
                                     files=tuple(files), exit_code_only=True))
        if any(a.positional and a.required for a in args):
            out.append(Candidate(f"{name}_missing_positional", (*prefix, *options),
                                 exit_code_only=True))
        if self.vocab.reads_stdin:
            for number, doc in enumerate(self.stdin_values()[:8]):
                out.append(Candidate(f"{name}_stdin_{number}", (*prefix, *options,
                                                                *positionals),
                                     stdin=doc, files=tuple(files)))
        return out

    # plain sys.argv / stdin -------------------------------------------------------------

    def plain_candidates(self) -> list[Candidate]:
        vocab = self.vocab
        positions = vocab.argv_positions + (1 if vocab.argv_slice else 0)
        stdin_docs = self.stdin_values() if vocab.reads_stdin else [""]
        out: list[Candidate] = [Candidate("no_args", (), stdin=stdin_docs[min(1, len(
            stdin_docs) - 1)])]
        groups: list[list[Candidate]] = []
        if positions:
            pools = []
            for position in range(1, positions + 1):
                if position in vocab.argv_int_positions:
                    pools.append(self.int_values())
                elif position in vocab.argv_float_positions:
                    pools.append(self.float_values())
                else:
                    pool = list(vocab.words[:20])
                    if vocab.uses_csv and not vocab.keys:
                        pool += [name for name in CSV_HEADER[2:] if name not in pool]
                    for value in [*self.int_values()[:6], *self.literal_words(), "2.5", "-1.5",
                                  *STR_EDGES[:4], *self.boundary_ints()]:
                        add_unique(pool, value)
                    pools.append(pool)
            # A typical number is neither 0 nor 1: `x * 0` and `x / 1` hide wrong arithmetic.
            typical = [next((v for v in pool if v not in {"0", "1", "-1", "0.0", "1.0"}), pool[0])
                       if position in vocab.argv_int_positions | vocab.argv_float_positions
                       else pool[0] for position, pool in enumerate(pools, start=1)]

            drawn = [0]

            def doc() -> str:
                # Every other input gets the typical text (words and numbers, several lines):
                # a filter that rewrites letters shows nothing on a document of digits.
                drawn[0] += 1
                if drawn[0] % 2 and len(stdin_docs) > 1:
                    return stdin_docs[1]
                return stdin_docs[self.rng.randrange(len(stdin_docs))]

            for count in range(1, positions):
                out.append(Candidate(f"argv{count}", tuple(typical[:count]), stdin=doc()))
            # Every position varied with the others typical; then, under each command word the
            # program compares the first argument with, every other position varied.
            lanes: list[list[Candidate]] = []
            for index, pool in enumerate(pools):
                lane: list[Candidate] = []
                for value in pool:
                    argv = list(typical)
                    argv[index] = value
                    lane.append(Candidate(f"argv_{index}_{len(lane)}", tuple(argv),
                                          stdin=doc()))
                lanes.append(lane)
            commands = [w for w in vocab.words[:6] if w in pools[0]] if positions > 1 else []
            for command in commands:
                lane = []
                for index, pool in enumerate(pools[1:], start=1):
                    for value in pool[:10]:
                        argv = [command, *typical[1:]]
                        argv[index] = value
                        lane.append(Candidate(f"{command}_{index}_{len(lane)}", tuple(argv),
                                              stdin=doc()))
                lanes.append(lane)
            # Command words followed by numbers (`square 7`, `power 2 10`): one word varied at a
            # time keeps the others at a word, so these shapes would never be tried.
            numbers = [v for v in self.int_values() if v.lstrip("-").isdigit()][:12]
            heads: list[tuple[str, ...]] = [(c,) for c in commands] or [()]
            for head in heads:
                for count in range(1, min(positions - len(head), 3) + 1):
                    lane = []
                    for start in range(len(numbers)):
                        picked = [numbers[(start + 5 * i) % len(numbers)] for i in range(count)]
                        lane.append(Candidate(f"{''.join(head) or 'num'}_{count}_{start}",
                                              (*head, *picked), stdin=doc()))
                    lanes.append(lane)
            varied: list[Candidate] = []
            for round_ in range(max(len(lane) for lane in lanes)):
                for lane in lanes:
                    if round_ < len(lane):
                        varied.append(lane[round_])
            groups.append(varied)
            groups.append([Candidate(f"doc_command_{number}", tuple(words), stdin=doc())
                           for number, words in enumerate(self.doc_commands())])
            if vocab.argv_slice:
                # Many values at once where the program takes a list: its constants and their
                # neighbours, a few per invocation, after the fixed positions.
                literals = [*self.literal_words(), *self.boundary_ints(),
                            *self.boundary_floats()]
                fixed = typical[:positions - 1]
                groups.append([Candidate(f"argv_literals_{number}",
                                         (*fixed, *literals[start:start + 4]), stdin=doc())
                               for number, start in enumerate(range(0, min(len(literals), 48),
                                                                    4))])
            extra = 2 if vocab.argv_slice else 0
            combos: list[Candidate] = []
            for number in range(16):
                count = self.rng.randint(1, positions + extra)
                argv = [self.rng.choice(pools[min(i, len(pools) - 1)]) for i in range(count)]
                combos.append(Candidate(f"argv_combo_{number}", tuple(argv),
                                        stdin=self.rng.choice(stdin_docs)))
            groups.append(combos)
        if vocab.reads_stdin:
            groups.append([Candidate(f"stdin_{number}", (), stdin=text)
                           for number, text in enumerate(stdin_docs)])
        # Round-robin over the kinds of input, so a cap on candidates keeps some of each.
        for round_ in range(max((len(group) for group in groups), default=0)):
            for group in groups:
                if round_ < len(group):
                    out.append(group[round_])
        return out


def _claim_group(group: int | None, used: set[int]) -> bool:
    """Whether an argument of mutually exclusive `group` (None: of none) may join arguments
    whose groups are `used`; claims the group when it may."""
    if group in used:
        return False
    if group is not None:
        used.add(group)
    return True
