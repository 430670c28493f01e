"""Reading one parsed file into its `FileIndex`."""

from __future__ import annotations

from dataclasses import replace
from sys import intern
from typing import Callable, Dict, FrozenSet, Iterable, List, Mapping, Optional, Set, Tuple

import libcst as cst

from tslint.analysis.imports import (
    bindings_of,
    build_import_table,
    has_future_annotations,
    module_assignments,
    module_bindings,
    top_level_statements,
    top_level_statements_with_index,
    undecided_classes,
)
from tslint.analysis.parameters import has_type_comment
from tslint.analysis.traversal import LEAF_TYPES, code_of, suite_statements, walk
from tslint.index.attributes import InitPaths, is_final_annotation, is_size_union
from tslint.index.facts import NO_FACTS, FactExtractors
from tslint.index.functions import (
    FunctionFacts,
    int_parameters,
    is_abstract_body,
    is_overload,
    is_torch_overload,
    none_names,
    returns_self,
    self_name_of,
    string_set,
    takes_var_args,
)
from tslint.index.listed_constants import constants_listing
from tslint.index.model import (
    DYNAMIC_ATTRIBUTES,
    PROPERTY_DECORATORS,
    PYTHON_OBJECT_FACTORIES,
    AttributeAssignment,
    AttributeKind,
    ClassInfo,
    FileIndex,
    FileTrees,
    FunctionInfo,
)
from tslint.index.values import classify_value, is_literal, plain_value_types


class _FileIndexer:
    def __init__(
        self,
        path: str,
        module: cst.Module,
        module_name: str,
        is_package: bool,
        extractors: FactExtractors = NO_FACTS,
        text: Optional[str] = None,
    ) -> None:
        self.extractors = extractors
        self.text = text
        self.path = path
        self.module = module
        self.module_name = module_name
        self.ordinal = 0
        self.nodes: Dict[int, cst.FunctionDef] = {}
        self.assignments: Dict[int, List[Tuple[str, AttributeAssignment]]] = {}
        self.class_replacements: Dict[int, List[str]] = {}
        self.unpacking: Set[int] = set()  # ordinals of the methods that unpack into a `self` attribute
        # ordinal -> index in module.body of the top-level statement holding the function
        self.anchors: Dict[int, int] = {}
        self.statement_index = 0
        definitions = [
            statement.name.value
            for statement in top_level_statements(module)
            if isinstance(statement, (cst.ClassDef, cst.FunctionDef))
        ]
        self.imports = build_import_table(module, module_name, is_package, definitions)
        self.future_annotations = has_future_annotations(module)

    @staticmethod
    def extracted(
        extractors: Mapping[str, Callable[..., object]], *arguments: object
    ) -> Tuple[Tuple[str, object], ...]:
        """Each family extractor's fact for one definition, by name; empty facts are not kept."""
        found = ((name, extract(*arguments)) for name, extract in sorted(extractors.items()))
        return tuple((name, value) for name, value in found if value)

    def qualname(self, *names: str) -> str:
        return ".".join(filter(None, (self.module_name, *names)))

    def function(self, node: cst.FunctionDef, owner: Optional[str], overloaded: bool = False) -> FunctionInfo:
        decorators = tuple(
            intern(name) for name in (self.imports.qualify(d.decorator) for d in node.decorators) if name is not None
        )
        self_name = self_name_of(node, decorators) if owner is not None else None
        facts = FunctionFacts(self.imports, self_name, "classmethod" not in decorators, typed=not overloaded)
        if facts.assignments is not None and node.name.value == "__init__":
            bindings = bindings_of(node.body)  # one walk of the body for both
            facts.assignments.int_parameters = int_parameters(node, self_name, self.imports, bindings[0])
            facts.assignments.none_names = none_names(node, self_name, bindings)
        facts.walk(node, LEAF_TYPES)  # FunctionFacts reads no leaf (names, numbers, operators)
        ordinal = self.ordinal
        self.ordinal += 1
        self.nodes[ordinal] = node
        self.anchors[ordinal] = self.statement_index
        if facts.assignments is not None:
            self.assignments[ordinal] = facts.assignments.found
            self.class_replacements[ordinal] = facts.assignments.class_replacements
            if facts.assignments.unpacks_to_self:
                self.unpacking.add(ordinal)
        owner_short = owner.rsplit(".", 1)[-1] if owner else None
        return FunctionInfo(
            name=node.name.value,
            qualname=self.qualname(*(filter(None, (owner_short, node.name.value)))),
            path=self.path,
            ordinal=ordinal,
            owner=owner,
            decorators=decorators,
            is_abstract=is_abstract_body(node),
            self_name=self_name,
            calls=tuple(facts.calls),
            parameters=tuple(
                (param.name.value, param.default is not None)
                for param in (*node.params.posonly_params, *node.params.params)
                if param.name.value != self_name
            ),
            takes_var_args=takes_var_args(node),
            annotations=tuple(sorted(facts.annotations)),
            references=tuple(sorted(facts.references)),
            facts=self.extracted(self.extractors.functions, node, self.imports, owner),
            returns_self=node.name.value == "__prepare_scriptable__" and returns_self(node, self_name),
            parameter_annotations=tuple(
                (param.name.value, code_of(param.annotation.annotation) if param.annotation else "")
                for param in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params)
                if param.name.value != self_name
            ),
            returns=code_of(node.returns.annotation) if node.returns is not None else "",
            type_comment=has_type_comment(node),
        )

    def add_function(
        self, table: Dict[str, FunctionInfo], overloaded: Dict[str, list], node: cst.FunctionDef, owner: Optional[str]
    ) -> None:
        """Index `node` into `table`; overload declarations only mark the implementation after them
        (a module-level function keeps their signatures: torch matches calls against those)."""
        function = self.function(node, owner, node.name.value in overloaded)
        if is_overload(function.decorators):
            declared = (function.parameter_annotations, function.parameters, function.returns)
            typed = not (function.takes_var_args or function.type_comment)
            torch = is_torch_overload(function.decorators, owner is not None)
            overloaded.setdefault(function.name, []).append((declared if typed else None, torch))
        else:
            entries = overloaded.get(function.name, ())
            declarations = tuple(declared for declared, _ in entries)
            typed = bool(declarations) and None not in declarations
            by_torch = typed and all(torch for _, torch in entries)
            # A method's declarations are kept only when torch compiles the method once per each.
            overloads = declarations if typed and (owner is None or by_torch) else ()
            table[_table_key(function, table)] = replace(
                function, has_overloads=function.name in overloaded, overloads=overloads, torch_overloads=by_torch
            )

    def klass(self, node: cst.ClassDef) -> ClassInfo:
        qualname = self.qualname(node.name.value)
        methods: Dict[str, FunctionInfo] = {}
        annotations: Set[str] = set()
        annotation_types: Dict[str, str] = {}
        size_unions: Set[str] = set()
        class_attributes: Set[str] = set()
        finals: Set[str] = set()
        unused_properties: FrozenSet[str] = frozenset()
        overloaded: Dict[str, list] = {}
        for statement in node.body.body:
            if isinstance(statement, cst.FunctionDef):
                self.add_function(methods, overloaded, statement, qualname)
                continue
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    annotations.add(small.target.value)
                    annotation_types[small.target.value] = code_of(small.annotation.annotation)
                    if is_size_union(small.annotation.annotation, self.imports):
                        size_unions.add(small.target.value)
                    if is_final_annotation(small.annotation.annotation, self.imports) and not self.future_annotations:
                        finals.add(small.target.value)
                    if small.value is not None:
                        class_attributes.add(small.target.value)
                        # annotated (`: ClassVar[List[str]] = [...]`) or not, torch reads the list
                        if small.target.value == "__jit_unused_properties__":
                            unused_properties = string_set(small.value)
                elif isinstance(small, cst.Assign):
                    for target in small.targets:
                        if not isinstance(target.target, cst.Name):
                            continue
                        name = target.target.value
                        class_attributes.add(name)
                        if name == "__jit_unused_properties__":
                            unused_properties = string_set(small.value)
        attributes: Dict[str, List[AttributeAssignment]] = {}
        for info in methods.values():
            for name, assignment in self.assignments.get(info.ordinal, ()):
                attributes.setdefault(name, []).append(replace(assignment, method=info.name))
        init = methods.get("__init__")
        if init is not None and init.self_name and init.ordinal in self.unpacking:
            self._returned_tuple_attributes(init, methods, attributes)
        parameter_attributes = _parameter_attributes(self.nodes[init.ordinal], init) if init is not None else {}
        conditional = self._conditional_attributes(init, methods, attributes)
        return ClassInfo(
            name=node.name.value,
            qualname=qualname,
            path=self.path,
            bases=tuple(self.imports.qualify(base.value) for base in node.bases),
            methods=methods,
            attributes={name: tuple(found) for name, found in attributes.items()},
            class_annotations=_frozen(annotations),
            size_unions=_frozen(size_unions),
            class_attributes=_frozen(class_attributes),
            listed_constants=constants_listing(node, self.imports),
            finals=_frozen(finals),
            facts=self.extracted(self.extractors.classes, node, self.imports),
            unused_properties=_frozen(unused_properties),
            conditional_attributes=conditional,
            annotation_types=annotation_types,
            parameter_attributes=parameter_attributes,
            replaced_methods=_frozen(
                name for info in methods.values() for name in self.class_replacements.get(info.ordinal, ())
            ),
            decorators=tuple(filter(None, (self.imports.qualify(d.decorator) for d in node.decorators))),
        )

    def _conditional_attributes(
        self,
        init: Optional[FunctionInfo],
        methods: Dict[str, FunctionInfo],
        attributes: Dict[str, List[AttributeAssignment]],
    ) -> Dict[str, str]:
        """The attributes `__init__` (with the class's helpers it calls) creates only on some paths,
        each with the conditions it is created under, described."""
        if init is None or not init.self_name or DYNAMIC_ATTRIBUTES in attributes:
            return {}
        helpers = {
            name: (self.nodes[info.ordinal], info.self_name)
            for name, info in methods.items()
            if name != "__init__" and info.self_name and not info.decorators
        }
        paths = InitPaths(init.self_name, helpers)
        always = paths.function(self.nodes[init.ordinal])
        if always is None:
            return {}
        building = {"__init__"} | paths.entered
        return {
            name: paths.described(name)
            for name in paths.conditions
            if name not in always and all(a.method in building for a in attributes.get(name, ()))
        }

    def _returned_tuple_attributes(
        self, init: FunctionInfo, methods: Dict[str, FunctionInfo], attributes: Dict[str, List[AttributeAssignment]]
    ) -> None:
        """`self.stage, channels = self._make_stage(...)` in `__init__` (timm's hrnet): when every
        `return` of that method of the class is a tuple display of the same length, the attribute is
        classified by the element at its position (`return nn.Sequential(*blocks), channels`), as
        torch types it from the value the method built. Otherwise it stays unknown."""
        self_name = init.self_name
        found: Dict[str, List[AttributeAssignment]] = {}

        def enter(node: cst.CSTNode) -> bool:
            if isinstance(node, cst.Assign) and len(node.targets) == 1 and isinstance(node.value, cst.Call):
                target, func = node.targets[0].target, node.value.func
                if (
                    isinstance(target, (cst.Tuple, cst.List))
                    and isinstance(func, cst.Attribute)
                    and isinstance(func.value, cst.Name)
                    and func.value.value == self_name
                    and func.attr.value in methods
                ):
                    returned = self._returned_tuples(methods[func.attr.value], len(target.elements))
                    for position, element in enumerate(target.elements):
                        value = element.value
                        if (
                            returned is not None
                            and isinstance(value, cst.Attribute)
                            and isinstance(value.value, cst.Name)
                            and value.value.value == self_name
                        ):
                            kinds = {classify_value(items[position], self.imports) for items in returned}
                            if len(kinds) == 1:
                                found.setdefault(value.attr.value, []).append(kinds.pop())
            return not isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) or node is init_node

        init_node = self.nodes[init.ordinal]
        walk(init_node, enter)
        for name, kinds in found.items():
            current = attributes.get(name, [])
            unknown = [a for a in current if a.method == "__init__" and a.kind is AttributeKind.OTHER and not a.callee]
            if len(kinds) == 1 and len(unknown) == 1:
                attributes[name] = [replace(kinds[0], method="__init__") if a is unknown[0] else a for a in current]

    def _returned_tuples(self, method: FunctionInfo, size: int) -> Optional[List[List[cst.BaseExpression]]]:
        """The elements of every `return` of `method` when each returns a tuple display of `size`
        elements without a star; None otherwise (or when it returns nothing)."""
        node = self.nodes[method.ordinal]
        returns: List[cst.Return] = []

        def enter(inner: cst.CSTNode) -> bool:
            if isinstance(inner, cst.Return):
                returns.append(inner)
            return not isinstance(inner, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) or inner is node

        walk(node, enter)
        result = []
        for statement in returns:
            value = statement.value
            if not isinstance(value, cst.Tuple) or len(value.elements) != size:
                return None
            if any(isinstance(element, cst.StarredElement) for element in value.elements):
                return None
            result.append([element.value for element in value.elements])
        return result or None

    def build(self) -> FileIndex:
        classes: List[ClassInfo] = []
        functions: Dict[str, FunctionInfo] = {}
        module_constants: Set[str] = set()
        module_objects: Dict[str, str] = {}
        overloaded: Dict[str, list] = {}
        # Every definition is indexed (the ordinals follow `function_trees`); only those that bind
        # their name once the module has run are kept (`module_bindings`: Python's last one).
        bound = module_bindings(self.module)
        undecided = undecided_classes(self.module)
        for statement_index, statement in top_level_statements_with_index(self.module):
            self.statement_index = statement_index
            if isinstance(statement, cst.ClassDef):
                info = self.klass(statement)
                if bound.get(info.name) is statement:
                    classes.append(info)
                elif undecided.get(info.name) is statement:
                    classes.append(replace(info, undecided=True))
            elif isinstance(statement, cst.FunctionDef):
                self.add_function(functions, overloaded, statement, None)
            elif isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None:
                        targets = small.targets if isinstance(small, cst.Assign) else [small]
                        for target in targets:
                            if isinstance(target.target, cst.Name) and is_literal(small.value):
                                module_constants.add(target.target.value)
                            elif isinstance(target.target, cst.Name) and isinstance(small.value, cst.Call):
                                callee = self.imports.qualify(small.value.func) or ""
                                if callee in PYTHON_OBJECT_FACTORIES:
                                    module_objects[target.target.value] = callee
        module_values = plain_value_types(module_assignments(self.module), self.imports)
        functions = {name: f for name, f in functions.items() if bound.get(name) is self.nodes[f.ordinal]}
        return FileIndex(
            path=self.path,
            module_name=self.module_name,
            imports=self.imports,
            classes=tuple(classes),
            functions=functions,
            module_constants=_frozen(module_constants),
            module_objects=module_objects,
            module_values=module_values,
            facts=self.file_facts(),
        )

    def file_facts(self) -> Tuple[Tuple[str, object], ...]:
        if not self.extractors.files:
            return ()
        text = self.text if self.text is not None else self.module.code
        return self.extracted(self.extractors.files, self.module, self.imports, text)


def index_file(
    path: str,
    module: cst.Module,
    module_name: str,
    is_package: bool,
    extractors: FactExtractors = NO_FACTS,
    text: Optional[str] = None,
) -> Tuple[FileIndex, FileTrees]:
    """`extractors`: the rule families' own facts to compute (`tslint.rules.fact_extractors()`);
    `text`: the file's source, when known, so that the extractors whose words it lacks are skipped."""
    indexer = _FileIndexer(path, module, module_name, is_package, extractors.for_text(text), text)
    index = indexer.build()
    return index, FileTrees(indexer.nodes, indexer.anchors)


def function_trees(module: cst.Module) -> FileTrees:
    """The `FileTrees` `index_file` gives for `module`, without indexing it: for a file parsed again
    in phase 2 (its tree was not kept), whose index is already known. The ordinals follow the
    indexer's order: each function at the top level (or in a top-level `if`/`try`/`with`) and each
    method defined directly in such a class, in source order."""
    nodes: Dict[int, cst.FunctionDef] = {}
    anchors: Dict[int, int] = {}
    for statement_index, statement in top_level_statements_with_index(module):
        if isinstance(statement, cst.ClassDef):
            members = [member for member in statement.body.body if isinstance(member, cst.FunctionDef)]
        elif isinstance(statement, cst.FunctionDef):
            members = [statement]
        else:
            continue
        for node in members:
            anchors[len(nodes)] = statement_index
            nodes[len(nodes)] = node
    return FileTrees(nodes, anchors)


def _parameter_attributes(node: cst.FunctionDef, init: FunctionInfo) -> Dict[str, str]:
    """`self.name = parameter` at the top level of `__init__`, for annotated parameters: the
    attribute's name and the parameter's annotation text."""
    annotated = {name: text for name, text in init.parameter_annotations if text}
    found: Dict[str, str] = {}
    for statement in suite_statements(node.body):
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not (isinstance(small, cst.Assign) and len(small.targets) == 1):
                continue
            target, value = small.targets[0].target, small.value
            if (
                isinstance(target, cst.Attribute)
                and isinstance(target.value, cst.Name)
                and target.value.value == init.self_name
                and isinstance(value, cst.Name)
                and value.value in annotated
            ):
                found[target.attr.value] = annotated[value.value]
    return found


# One empty set for every class and file that has none of a kind (most have none of most): each
# `frozenset()` is an object of its own (216 bytes), and pickling a file's index writes a shared one
# once. On every 20th file of site-packages that was 6% of the summaries' memory.
_EMPTY: FrozenSet[str] = frozenset()


def _frozen(names: Iterable[str]) -> FrozenSet[str]:
    found = frozenset(names)
    return found if found else _EMPTY


def _table_key(function: FunctionInfo, table: Dict[str, FunctionInfo]) -> str:
    """Where `function` goes in its table: under its name, but a property's `@<name>.setter` or
    `@<name>.deleter` under `<name>.setter` / `<name>.deleter`, beside the getter it does not replace
    (torch compiles a property's getter and its setter: probed in torch 2.13)."""
    getter = table.get(function.name)
    if getter is None or not any(d in PROPERTY_DECORATORS for d in getter.decorators):
        return function.name
    for accessor in ("setter", "deleter"):
        if f"{function.name}.{accessor}" in function.decorators:
            return f"{function.name}.{accessor}"
    return function.name
