"""Names in compiled code: where each name a compiled function reads comes from, and whether torch's
frontend has it defined there.

torch.jit.script resolves a name first in the function's own environment, a stack of frames that
mirrors its blocks, then in the function's Python globals (and, failing those, the `typing` and
`builtins` modules). Its environment is not Python's (each rule below was observed in torch 2.13):
- after an `if`, a name assigned in one branch only is an error waiting for its first read: "y is not
  defined in the false branch", reported at the `if`. A branch that ends in `return`, `raise` or
  `assert False` does not count (its names never reach the join); one that ends in `break` or
  `continue` does. Without a read after the `if`, nothing fails;
- a loop body is a frame of its own: names it binds first (its target too) are gone after the loop,
  and the body does not see what an earlier iteration assigned ("undefined value y"). Loops torch
  unrolls (over a module container or a tuple) are straight-line code instead;
- `del y` removes `y` from the frame that holds it, even from inside a branch: the other branch and
  everything after the `if` no longer see it;
- a comprehension's variable does not exist outside it; a `with` body is no frame of its own;
- nothing after a `return` or `raise` is compiled.
A name torch does not find locally falls back to the module's globals: then torch uses the global
(other rules judge it), so only a name that no global, builtin or `typing` name provides is reported.

`NameFlow` walks a function's statements once, in source order, with that model, and records every
read torch would reject. It knows nothing when the function has a `try`, a `global`/`nonlocal`
statement or a `match` (torch rejects the first two anyway), and nothing about a module whose
globals it cannot list (a star import, `globals()`, `exec`): unknown is silent.
"""

from __future__ import annotations

import builtins
import re
import typing
from dataclasses import dataclass
from typing import Callable, Dict, FrozenSet, Iterator, List, Optional, Sequence, Tuple

import libcst as cst

from tslint.analysis.imports import dotted_name, names_bound_in, top_level_statements
from tslint.analysis.traversal import children, code_of, kind_test, suite_statements

# What torch's resolution callback finds when the module's globals do not have a name
# (torch/_jit_internal.py, createResolutionCallbackFromClosure: `typing`, then `builtins`).
FALLBACK_NAMES = frozenset(dir(builtins)) | frozenset(dir(typing))

# Module source that can bind globals no statement shows, searched per word in files holding it (one
# alternation had no literal prefix for the regular expression engine: 5 ms for a 30 kB file).
_DYNAMIC_GLOBALS = [(word, re.compile(rf"(?<![.\w]){word}\s*\(")) for word in ("globals", "exec")] + [
    ("modules", re.compile(r"sys\s*\.\s*modules")),
    ("builtins", re.compile(r"__builtins__|(?<![.\w])builtins\s*\.")),
]
_GLOBAL_STATEMENT = re.compile(r"^[ \t]*global[ \t]+([\w \t,]+)", re.MULTILINE)


class _Status:
    """What torch's environment holds for a name."""

    __slots__ = ("label",)

    def __init__(self, label: str) -> None:
        self.label = label

    def __repr__(self) -> str:
        return self.label


DEFINED = _Status("defined")
UNKNOWN = _Status("unknown")  # the analysis cannot tell: every read is silent


@dataclass(frozen=True)
class JoinError:
    """Assigned in one branch of `statement` only: torch's "y is not defined in the <branch> branch"."""

    statement: cst.If
    branch: str  # "true" or "false": the branch that does not define it


Status = typing.Union[_Status, JoinError]


@dataclass(frozen=True)
class UnsetRead:
    """A read of `name` that torch rejects.

    `kind`: "undefined" — nothing binds the name, in the function or its module; "unset" — the
    function binds it, but not on the way to this read (`reason` says why); "join" — bound in one
    branch of `join.statement` only."""

    node: cst.Name
    kind: str
    reason: str = ""
    join: Optional[JoinError] = None


@dataclass(frozen=True)
class ModuleNames:
    """The globals a module binds, or None when its globals cannot be listed; and those it binds
    only under `if TYPE_CHECKING:` (which never runs: the name does not exist when torch compiles)."""

    names: Optional[FrozenSet[str]]
    type_checking_only: FrozenSet[str] = frozenset()

    def provides(self, name: str) -> Optional[bool]:
        """Whether torch's global lookup finds `name` (None: cannot know)."""
        if name in FALLBACK_NAMES or (name.startswith("__") and name.endswith("__")):
            return True
        if self.names is None:
            return None
        return name in self.names


def module_names(module: cst.Module, text: str) -> ModuleNames:
    """The names `module` binds at its top level (in any `if`/`try`/`with`/`for` there too), with
    those a `global` statement in any of its functions may bind."""
    if any(word in text and pattern.search(text) for word, pattern in _DYNAMIC_GLOBALS):
        return ModuleNames(None)
    for statement in top_level_statements(module):
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar):
                    if small.relative or small.module is None or dotted_name(small.module) != "typing":
                        return ModuleNames(None)
    names = set(names_bound_in(module))  # type: ignore[arg-type]  # walks any node
    for match in _GLOBAL_STATEMENT.finditer(text):
        names.update(part.strip() for part in match.group(1).split(","))
    return ModuleNames(frozenset(names), _type_checking_only(module))


def _type_checking_only(module: cst.Module) -> FrozenSet[str]:
    """Names bound in the body of a top-level `if TYPE_CHECKING:` and by nothing else in the module."""
    guarded = [
        s
        for s in module.body
        if isinstance(s, cst.If) and dotted_name(s.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
    ]
    if not guarded:
        return frozenset()
    inside = set()
    for statement in guarded:
        inside |= names_bound_in(statement.body)
    rest = module.with_changes(body=[s for s in module.body if all(s is not g for g in guarded)])
    elsewhere = set(names_bound_in(rest))  # type: ignore[arg-type]
    for statement in guarded:
        if statement.orelse is not None:
            elsewhere |= names_bound_in(statement.orelse)  # type: ignore[arg-type]
    return frozenset(inside - elsewhere)


class _Frame:
    """One block's frame of torch's environment: names it assigned, and its enclosing frame."""

    __slots__ = ("values", "parent")

    def __init__(self, parent: Optional[_Frame] = None) -> None:
        self.values: Dict[str, Status] = {}
        self.parent = parent

    def lookup(self, name: str) -> Optional[Status]:
        frame: Optional[_Frame] = self
        while frame is not None:
            found = frame.values.get(name)
            if found is not None:
                return found
            frame = frame.parent
        return None

    def remove(self, name: str) -> None:
        """`del name`: torch removes it from the innermost frame that holds it."""
        frame: Optional[_Frame] = self
        while frame is not None:
            if name in frame.values:
                del frame.values[name]
                return
            frame = frame.parent


# How a block ends: it falls through, it leaves the function (`return`, `raise`, `assert False`:
# torch drops its names from the join and compiles nothing after it), or it jumps (`break`,
# `continue`: nothing after it runs, but its names still reach the join).
FALLS, EXITS, JUMPS = 0, 1, 2

# Answers the caller (the rule context) gives: is this `if` branch compiled (True), never compiled
# (False) or not known (None)? What kind of loop is this: "real", "unrolled" or None (not known)?
BranchCompiled = Callable[[cst.If, bool], Optional[bool]]
LoopKind = Callable[[cst.BaseExpression], Optional[str]]


class NameFlow:
    """Torch's environment along one function, and the reads it rejects (`problems`)."""

    def __init__(
        self,
        function: cst.FunctionDef,
        globals_: ModuleNames,
        branch_compiled: BranchCompiled,
        loop_kind: LoopKind,
    ) -> None:
        self.function = function
        self.globals = globals_
        self.branch_compiled = branch_compiled
        self.loop_kind = loop_kind
        self.problems: List[UnsetRead] = []
        # The decorator that makes torch resolve the function's globals in another module (set by
        # compiled_names for `@torch.no_grad()`), or None.
        self.globals_decorator: Optional[str] = None
        self.globals_wrapper = None  # the same for a project decorator (compiled_names.WrapperGlobals)
        self._local = names_bound_in(function.body)
        self._uncertain = 0  # depth inside branches that may not be compiled: no reports there
        self._loop_bodies: List[FrozenSet[str]] = []  # names each enclosing real loop's body binds
        self._gone: Dict[str, str] = {}  # why a name the function binds is not defined, by name
        if _unanalysable(function):
            return
        root = _Frame()
        params = function.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            root.values[param.name.value] = DEFINED
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                root.values[star.name.value] = DEFINED
        self._block(suite_statements(function.body), root)

    # --- statements -------------------------------------------------------------------------

    def _block(self, statements: Sequence[cst.CSTNode], frame: _Frame) -> int:
        for statement in statements:
            ending = self._statement(statement, frame)
            if ending != FALLS:
                return ending
        return FALLS

    def _statement(self, node: cst.CSTNode, frame: _Frame) -> int:
        kind = type(node)
        if kind is cst.SimpleStatementLine or kind is cst.SimpleStatementSuite:
            return self._block(node.body, frame)  # type: ignore[attr-defined]
        if kind is cst.If:
            return self._if(node, frame)  # type: ignore[arg-type]
        if kind is cst.For or kind is cst.While:
            self._loop(node, frame)
            return FALLS
        if kind is cst.With:
            for item in node.items:  # type: ignore[attr-defined]
                self._reads(item.item, frame)
                if item.asname is not None:
                    self._bind(item.asname.name, frame)
            return self._block(suite_statements(node.body), frame)  # type: ignore[attr-defined]
        if kind is cst.FunctionDef or kind is cst.ClassDef:
            frame.values[node.name.value] = DEFINED  # type: ignore[attr-defined]
            return FALLS
        return self._small(node, frame)

    def _small(self, node: cst.CSTNode, frame: _Frame) -> int:
        kind = type(node)
        if kind is cst.Assign:
            self._reads(node.value, frame)  # type: ignore[attr-defined]
            for target in node.targets:  # type: ignore[attr-defined]
                self._bind(target.target, frame)
        elif kind is cst.AnnAssign:
            if node.value is not None:  # type: ignore[attr-defined]
                self._reads(node.value, frame)  # type: ignore[attr-defined]
                self._bind(node.target, frame)  # type: ignore[attr-defined]
        elif kind is cst.AugAssign:
            target = node.target  # type: ignore[attr-defined]
            if isinstance(target, cst.Name):
                operator = code_of(node.operator).strip()  # type: ignore[attr-defined]
                self._read(target, frame, f"`{target.value} {operator} ...` reads it before anything assigned it")
            else:
                self._reads(target, frame)
            self._reads(node.value, frame)  # type: ignore[attr-defined]
            self._bind(node.target, frame)  # type: ignore[attr-defined]
        elif kind is cst.Del:
            self._delete(node.target, frame)  # type: ignore[attr-defined]
        elif kind is cst.Return or kind is cst.Raise:
            for child in children(node):
                self._reads(child, frame)  # type: ignore[arg-type]
            return EXITS
        elif kind is cst.Assert:
            self._reads(node.test, frame)  # type: ignore[attr-defined]
            if node.msg is not None:  # type: ignore[attr-defined]
                self._reads(node.msg, frame)  # type: ignore[attr-defined]
            test = node.test  # type: ignore[attr-defined]
            if isinstance(test, cst.Name) and test.value == "False":
                return EXITS
        elif kind is cst.Break or kind is cst.Continue:
            return JUMPS
        elif kind is cst.Import or kind is cst.ImportFrom:
            for name in _imported_names(node):
                frame.values[name] = DEFINED
        elif kind is cst.Expr:
            self._reads(node.value, frame)  # type: ignore[attr-defined]
        return FALLS

    def _if(self, node: cst.If, frame: _Frame) -> int:
        self._reads(node.test, frame)
        outcomes = []
        for is_body, suite in ((True, node.body), (False, node.orelse)):
            branch = _Frame(frame)
            compiled = self.branch_compiled(node, is_body)
            if compiled is False:
                outcomes.append((branch, EXITS, compiled))
                continue
            self._uncertain += compiled is None
            if suite is None:
                ending = FALLS
            elif isinstance(suite, cst.If):  # elif
                ending = self._statement(suite, branch)
            else:
                statements = suite_statements(suite.body if isinstance(suite, cst.Else) else suite)
                ending = self._block(statements, branch)
            self._uncertain -= compiled is None
            outcomes.append((branch, ending, compiled))
        (true, true_ends, true_known), (false, false_ends, false_known) = outcomes
        if true_ends == EXITS and false_ends == EXITS:
            return EXITS
        joined = self._join(node, frame, true, true_ends == EXITS, false, false_ends == EXITS)
        if true_known is None:
            joined = _agree(joined, self._join(node, frame, true, True, false, false_ends == EXITS))
        if false_known is None:
            joined = _agree(joined, self._join(node, frame, true, true_ends == EXITS, false, True))
        frame.values.update(joined)
        return FALLS

    def _join(
        self, node: cst.If, frame: _Frame, true: _Frame, true_exits: bool, false: _Frame, false_exits: bool
    ) -> Dict[str, Status]:
        """What the frame holds after the `if`, for the names either branch assigned (torch's
        emitIfElseBlocks)."""
        joined: Dict[str, Status] = {}
        for name in sorted(set(true.values) | set(false.values)):
            if true_exits and false_exits:
                continue
            left = None if true_exits else true.lookup(name)
            right = None if false_exits else false.lookup(name)
            if true_exits or false_exits:
                found = right if true_exits else left
                if found is not None:
                    joined[name] = found
                continue
            if left is UNKNOWN or right is UNKNOWN:
                joined[name] = UNKNOWN
            elif left is DEFINED and right is DEFINED:
                joined[name] = DEFINED
            elif left is DEFINED or right is DEFINED:
                joined[name] = JoinError(node, "false" if left is DEFINED else "true")
            elif right is not None or left is not None:
                # Neither branch defines it: the error already waiting in one of them stays
                # (observed: the false branch's, when both have one).
                joined[name] = right if right is not None else left  # type: ignore[assignment]
        return joined

    def _loop(self, node: cst.CSTNode, frame: _Frame) -> None:
        is_for = isinstance(node, cst.For)
        iterable = node.iter if is_for else node.test  # type: ignore[attr-defined]
        self._reads(iterable, frame)
        kind = self.loop_kind(iterable) if is_for else "real"
        body = _Frame(frame)
        if kind != "real":
            # Unrolled (or not known to be a real loop): a later iteration sees what an earlier one
            # assigned, and after the loop the names are whatever the last iteration left.
            for name in names_bound_in(node.body):
                body.values[name] = UNKNOWN
        if is_for:
            self._bind(node.target, body)  # type: ignore[attr-defined]
        bound = names_bound_in(node.body) if kind == "real" else frozenset()  # type: ignore[attr-defined]
        self._loop_bodies.append(bound)
        self._block(suite_statements(node.body), body)  # type: ignore[attr-defined]
        self._loop_bodies.pop()
        for name, status in body.values.items():
            outside = frame.lookup(name)
            if outside is not None:
                frame.values[name] = DEFINED if status is DEFINED and outside is DEFINED else UNKNOWN
            elif kind != "real":
                frame.values[name] = UNKNOWN
            elif isinstance(status, JoinError):
                frame.values[name] = status  # observed: torch's pending error outlives the loop
            else:
                loop = "for" if is_for else "while"
                self._gone.setdefault(
                    name,
                    f"it is assigned only inside the `{loop}` loop above, and TorchScript does not keep "
                    "a loop's own variables after it",
                )
        if node.orelse is not None:  # torch rejects `for ... else` (TS211)
            self._block(suite_statements(node.orelse.body), frame)  # type: ignore[attr-defined]

    # --- bindings and reads -----------------------------------------------------------------

    def _bind(self, target: cst.CSTNode, frame: _Frame) -> None:
        if isinstance(target, cst.Name):
            frame.values[target.value] = DEFINED
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind(element.value, frame)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, frame)
        else:  # `self.x = ...`, `d[k] = ...`: reads
            self._reads(target, frame)  # type: ignore[arg-type]

    def _delete(self, target: cst.CSTNode, frame: _Frame) -> None:
        if isinstance(target, cst.Name):
            self._read(target, frame)
            frame.remove(target.value)
            self._gone[target.value] = f"`del {target.value}` removed it"
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._delete(element.value, frame)
        else:
            self._reads(target, frame)  # type: ignore[arg-type]

    def _reads(self, expression: cst.CSTNode, frame: _Frame) -> None:
        """Every name `expression` reads, in (roughly) evaluation order."""
        stack: List[cst.CSTNode] = [expression]
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind is cst.Name:
                self._read(node, frame)  # type: ignore[arg-type]
            elif kind is cst.Attribute:
                stack.append(node.value)  # type: ignore[attr-defined]
            elif kind is cst.Arg:
                stack.append(node.value)  # type: ignore[attr-defined]
            elif kind is cst.NamedExpr:  # torch rejects `:=` (TS210)
                self._reads(node.value, frame)  # type: ignore[attr-defined]
                self._bind(node.target, frame)  # type: ignore[attr-defined]
            elif kind in _COMPREHENSIONS:
                self._comprehension(node, frame)
            elif kind is cst.Lambda or kind is cst.Annotation:
                continue  # a lambda is TS201's; annotations are types, not values
            else:
                stack.extend(reversed(children(node)))

    def _comprehension(self, node: cst.CSTNode, frame: _Frame) -> None:
        inner = _Frame(frame)
        loop: Optional[cst.CompFor] = node.for_in  # type: ignore[attr-defined]
        outer = True
        while loop is not None:
            self._reads(loop.iter, frame if outer else inner)
            self._bind(loop.target, inner)
            for condition in loop.ifs:
                self._reads(condition.test, inner)
            loop, outer = loop.inner_for_in, False
        for part in ("elt", "key", "value"):
            element = getattr(node, part, None)
            if element is not None:
                self._reads(element, inner)
        for name in inner.values:
            if frame.lookup(name) is None:
                self._gone.setdefault(name, "it is a comprehension's variable, which does not exist outside it")

    def _read(self, node: cst.Name, frame: _Frame, first_read: str = "") -> None:
        status = frame.lookup(node.value)
        if status is DEFINED or status is UNKNOWN or self._uncertain:
            return
        if self.globals.provides(node.value) is not False:
            return  # a global, builtin or `typing` name — or a module whose globals are not known
        if isinstance(status, JoinError):
            self.problems.append(UnsetRead(node, "join", join=status))
        elif node.value in self._local:
            reason = self._gone.get(node.value) or first_read or self._unset_reason(node.value)
            self.problems.append(UnsetRead(node, "unset", reason))
        else:
            self.problems.append(UnsetRead(node, "undefined"))

    def _unset_reason(self, name: str) -> str:
        if any(name in bound for bound in self._loop_bodies):
            return (
                "it is assigned further down the loop body, and TorchScript does not carry a value "
                "from one iteration to the next"
            )
        return "it is read before the function assigns it"


_COMPREHENSIONS = frozenset({cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp})


def _agree(first: Dict[str, Status], second: Dict[str, Status]) -> Dict[str, Status]:
    """Two possible outcomes of a join: what they agree on, and UNKNOWN for the rest."""
    return {name: first.get(name) if first.get(name) == second.get(name) else UNKNOWN for name in {*first, *second}}  # type: ignore[misc]


def _imported_names(node: cst.CSTNode) -> Iterator[str]:
    names = node.names  # type: ignore[attr-defined]
    if isinstance(names, cst.ImportStar):
        return
    for alias in names:
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            yield alias.asname.name.value
        else:
            yield (dotted_name(alias.name) or "").split(".")[0]


# Concrete node classes without subclasses: tested by exact type (see traversal.kind_test).
_UNANALYSABLE = frozenset(
    (cst.Try, cst.Global, cst.Nonlocal)
    + tuple(getattr(cst, name) for name in ("TryStar", "Match") if hasattr(cst, name))
)
_NOT_ENTERED = kind_test((cst.BaseExpression, cst.FunctionDef, cst.ClassDef))


def _unanalysable(function: cst.FunctionDef) -> bool:
    """A `try` (torch rejects it: TS203), `global`/`nonlocal` or `match` anywhere in the body."""
    stack: List[cst.CSTNode] = [function.body]
    while stack:
        node = stack.pop()
        if type(node) in _UNANALYSABLE:
            return True
        if _NOT_ENTERED(node):
            continue
        stack.extend(children(node))
    return False


def first_reads(problems: Sequence[UnsetRead]) -> Tuple[UnsetRead, ...]:
    """The problems without a second report of the same join error (torch reports it once)."""
    seen = set()
    kept = []
    for problem in problems:
        key = (id(problem.join.statement), problem.node.value) if problem.join is not None else id(problem)
        if key not in seen:
            seen.add(key)
            kept.append(problem)
    return tuple(kept)
