from __future__ import annotations

import ast
from typing import Dict, Optional, Sequence, Tuple

import libcst as cst

from tslint.analysis.imports import class_nodes
from tslint.analysis.traversal import code_of, walk
from tslint.analysis.value_kinds import is_parameter
from tslint.findings import Mode, Severity
from tslint.index.model import AttributeKind, FunctionInfo
from tslint.rule import Rule, RuleContext, replace_node

# (name, position or None when keyword-only) of the parameters whose TorchScript type is `float`,
# `Optional[float]` or a list of floats, by function. From torch 2.13's annotations of
# torch.nn.functional and the schemas of its operators (no other overload takes an int there);
# tests/test_float_arguments.py derives them again from torch and scripts every entry with an int
# (fails) and with a float (compiles).
FLOAT_PARAMETERS: Dict[str, Tuple[Tuple[str, Optional[int]], ...]] = {
    "torch.allclose": (("rtol", 2), ("atol", 3)),
    "torch.alpha_dropout": (("p", 1),),
    "torch.alpha_dropout_": (("p", 1),),
    "torch.batch_norm": (("momentum", 6), ("eps", 7)),
    "torch.cdist": (("p", 2),),  # torch.functional.cdist, typed by a type comment
    "torch.cosine_embedding_loss": (("margin", 3),),
    "torch.cosine_similarity": (("eps", 3),),
    "torch.dropout": (("p", 1),),
    "torch.dropout_": (("p", 1),),
    "torch.feature_alpha_dropout": (("p", 1),),
    "torch.feature_alpha_dropout_": (("p", 1),),
    "torch.feature_dropout": (("p", 1),),
    "torch.feature_dropout_": (("p", 1),),
    "torch.functional.cdist": (("p", 2),),
    "torch.group_norm": (("eps", 4),),
    "torch.hinge_embedding_loss": (("margin", 2),),
    "torch.instance_norm": (("momentum", 6), ("eps", 7)),
    "torch.isclose": (("rtol", 2), ("atol", 3)),
    "torch.layer_norm": (("eps", 4),),
    "torch.logit": (("eps", 1),),
    "torch.logit_": (("eps", 1),),
    "torch.logspace": (("base", 3),),
    "torch.margin_ranking_loss": (("margin", 3),),
    "torch.nan_to_num": (("nan", 1), ("posinf", 2), ("neginf", 3)),
    "torch.nan_to_num_": (("nan", 1), ("posinf", 2), ("neginf", 3)),
    "torch.nn.functional.alpha_dropout": (("p", 1),),
    "torch.nn.functional.batch_norm": (("momentum", 6), ("eps", 7)),
    "torch.nn.functional.celu": (("alpha", 1),),
    "torch.nn.functional.cosine_embedding_loss": (("margin", 3),),
    "torch.nn.functional.cosine_similarity": (("eps", 3),),
    "torch.nn.functional.cross_entropy": (("label_smoothing", 7),),
    "torch.nn.functional.dropout": (("p", 1),),
    "torch.nn.functional.dropout1d": (("p", 1),),
    "torch.nn.functional.dropout2d": (("p", 1),),
    "torch.nn.functional.dropout3d": (("p", 1),),
    "torch.nn.functional.elu": (("alpha", 1),),
    "torch.nn.functional.embedding": (("max_norm", 3), ("norm_type", 4)),
    "torch.nn.functional.embedding_bag": (("max_norm", 3), ("norm_type", 4)),
    "torch.nn.functional.feature_alpha_dropout": (("p", 1),),
    "torch.nn.functional.group_norm": (("eps", 4),),
    "torch.nn.functional.gumbel_softmax": (("tau", 1), ("eps", 3)),
    "torch.nn.functional.hardtanh": (("min_val", 1), ("max_val", 2)),
    "torch.nn.functional.hinge_embedding_loss": (("margin", 2),),
    "torch.nn.functional.huber_loss": (("delta", 3),),
    "torch.nn.functional.instance_norm": (("momentum", 6), ("eps", 7)),
    "torch.nn.functional.interpolate": (("scale_factor", 2),),
    "torch.nn.functional.layer_norm": (("eps", 4),),
    "torch.nn.functional.leaky_relu": (("negative_slope", 1),),
    "torch.nn.functional.local_response_norm": (("alpha", 2), ("beta", 3), ("k", 4)),
    "torch.nn.functional.margin_ranking_loss": (("margin", 3),),
    "torch.nn.functional.multi_head_attention_forward": (("dropout_p", 10),),
    "torch.nn.functional.multi_margin_loss": (("margin", 3),),
    "torch.nn.functional.normalize": (("p", 1), ("eps", 3)),
    "torch.nn.functional.pad": (("value", 3),),
    "torch.nn.functional.pairwise_distance": (("p", 2), ("eps", 3)),
    "torch.nn.functional.pdist": (("p", 1),),
    "torch.nn.functional.poisson_nll_loss": (("eps", 5),),
    "torch.nn.functional.rms_norm": (("eps", 3),),
    "torch.nn.functional.rrelu": (("lower", 1), ("upper", 2)),
    "torch.nn.functional.scaled_dot_product_attention": (("dropout_p", 4), ("scale", None)),
    "torch.nn.functional.smooth_l1_loss": (("beta", 5),),
    "torch.nn.functional.threshold": (("threshold", 1), ("value", 2)),
    "torch.nn.functional.triplet_margin_loss": (("margin", 3), ("p", 4), ("eps", 5)),
    "torch.pairwise_distance": (("p", 2), ("eps", 3)),
    "torch.pdist": (("p", 1),),
    "torch.pinverse": (("rcond", 1),),
    "torch.poisson_nll_loss": (("eps", 4),),
    "torch.rms_norm": (("eps", 3),),
    "torch.triplet_margin_loss": (("margin", 3), ("p", 4), ("eps", 5)),
    # Unannotated in torch, and routed to `interpolate`'s float scale factor.
    "torch.nn.functional.upsample": (("scale_factor", 2),),
    "torch.nn.functional.upsample_bilinear": (("scale_factor", 2),),
    "torch.nn.functional.upsample_nearest": (("scale_factor", 2),),
}
# Their parameters that also take a list of floats (`scale_factor=[2.0, 2.0]`): a list or tuple
# holding an int fails there too.
LIST_PARAMETERS = frozenset({("torch.nn.functional.interpolate", "scale_factor")})
# The same for torch modules: constructor parameters (name, position) that the module's forward
# passes on to a float parameter, so that `nn.Hardtanh(0, 6)` fails when it is scripted. Found by
# building each module of torch.nn with an int there; tests/test_float_arguments.py scripts each.
MODULE_FLOAT_PARAMETERS: Dict[str, Tuple[Tuple[str, Optional[int]], ...]] = {
    "torch.nn.AlphaDropout": (("p", 0),),
    "torch.nn.BatchNorm1d": (("eps", 1), ("momentum", 2)),
    "torch.nn.BatchNorm2d": (("eps", 1), ("momentum", 2)),
    "torch.nn.BatchNorm3d": (("eps", 1), ("momentum", 2)),
    "torch.nn.CELU": (("alpha", 0),),
    "torch.nn.ConstantPad1d": (("value", 1),),
    "torch.nn.ConstantPad2d": (("value", 1),),
    "torch.nn.ConstantPad3d": (("value", 1),),
    "torch.nn.CosineEmbeddingLoss": (("margin", 0),),
    "torch.nn.CosineSimilarity": (("eps", 1),),
    "torch.nn.CrossEntropyLoss": (("label_smoothing", 5),),
    "torch.nn.Dropout": (("p", 0),),
    "torch.nn.Dropout1d": (("p", 0),),
    "torch.nn.Dropout2d": (("p", 0),),
    "torch.nn.Dropout3d": (("p", 0),),
    "torch.nn.ELU": (("alpha", 0),),
    "torch.nn.Embedding": (("norm_type", 4),),
    "torch.nn.EmbeddingBag": (("norm_type", 3),),
    "torch.nn.FeatureAlphaDropout": (("p", 0),),
    "torch.nn.GroupNorm": (("eps", 2),),
    "torch.nn.Hardtanh": (("min_val", 0), ("max_val", 1)),
    "torch.nn.HingeEmbeddingLoss": (("margin", 0),),
    "torch.nn.HuberLoss": (("delta", 1),),
    "torch.nn.InstanceNorm1d": (("eps", 1), ("momentum", 2)),
    "torch.nn.InstanceNorm2d": (("eps", 1), ("momentum", 2)),
    "torch.nn.InstanceNorm3d": (("eps", 1), ("momentum", 2)),
    "torch.nn.LayerNorm": (("eps", 1),),
    "torch.nn.LeakyReLU": (("negative_slope", 0),),
    "torch.nn.LocalResponseNorm": (("alpha", 1), ("beta", 2), ("k", 3)),
    "torch.nn.MarginRankingLoss": (("margin", 0),),
    "torch.nn.MultiMarginLoss": (("margin", 1),),
    "torch.nn.MultiheadAttention": (("dropout", 2),),
    "torch.nn.PairwiseDistance": (("p", 0), ("eps", 1)),
    "torch.nn.PoissonNLLLoss": (("eps", 3),),
    "torch.nn.RReLU": (("lower", 0), ("upper", 1)),
    "torch.nn.SmoothL1Loss": (("beta", 3),),
    "torch.nn.Threshold": (("threshold", 0), ("value", 1)),
    "torch.nn.Transformer": (("dropout", 5), ("layer_norm_eps", 9)),
    "torch.nn.TransformerDecoderLayer": (("dropout", 3), ("layer_norm_eps", 5)),
    "torch.nn.TransformerEncoderLayer": (("dropout", 3), ("layer_norm_eps", 5)),
    "torch.nn.TripletMarginLoss": (("margin", 0), ("p", 1), ("eps", 2)),
}
INT_OPERATORS = (cst.Add, cst.Subtract, cst.Multiply, cst.FloorDivide, cst.Modulo)
INT_TYPES = frozenset({"int", "builtins.int"})


class IntForFloatArgument(Rule):
    """Compiled code passes an int where a torch function takes a float: `F.interpolate(x,
    scale_factor=2)`, `F.normalize(x, p=2)`, `F.pad(x, pad, value=0)`, `F.dropout(x, 0)`,
    `F.hardtanh(x, 0, 6)`, `torch.cosine_similarity(a, b, eps=1)` — or where a function or method of
    the project has a parameter annotated `float` or `Optional[float]`. The int is an int literal,
    int arithmetic of literals, a parameter annotated `int`, a local variable only ever assigned such
    values (`factor = 2`), or an attribute the class only sets to int literals (`self.p = 0`).

    Python converts the int silently; TorchScript does not convert an int argument to a `float`
    parameter: "Expected a value of type 'float' for argument 'p' but instead found type 'int'", or
    "Arguments for call are not valid" for `F.interpolate`. Functions whose parameter is a `Scalar`
    (`torch.clamp(x, min=0)`, `torch.pow(x, 2)`, `x.div(2)`, `F.softplus(x, beta=1)`) accept ints and
    are not reported.
    """

    code = "TS335"
    name = "int-for-float-argument"
    severity = Severity.ERROR
    mode = Mode.SCRIPT
    message = (
        "`{argument}` passes an int to `{function}`'s float parameter `{parameter}`: TorchScript does not convert it."
    )
    fix_hint = "Write a float literal (`2.0`, `0.0`), or convert with `float(...)`."
    torch_messages = ("but instead found type 'int'", "Arguments for call are not valid")

    module_message = (
        "`{receiver}.{name}` is `{module}(...)` built with an int `{parameter}`, which its forward passes to a "
        "float parameter: TorchScript does not convert it."
    )
    element_message = (
        "`{receiver}.{name}` holds `{module}(...)` built with an int `{parameter}`, which its forward passes to a "
        "float parameter: TorchScript does not convert it."
    )

    def visit_Call(self, node: cst.Call, context: RuleContext) -> None:
        if any(a.star for a in node.args):
            return
        name = context.self_attribute(node.func)
        if name is not None:
            self._check_submodule(node, name, context)
        function = context.qualify(node.func)
        parameters = FLOAT_PARAMETERS.get(function) if function is not None else None
        if parameters is not None:
            short = function.replace("torch.nn.functional.", "F.")
        else:
            callee = _project_callee(node, context)
            floats = callee.fact("float_parameters", ()) if callee is not None else ()
            if not floats:
                return
            short = callee.symbol
            positions = {name: position for position, (name, _) in enumerate(callee.parameters)}
            parameters = tuple((name, positions.get(name)) for name in floats)
        for argument, parameter in _bound(node.args, parameters):
            listed = (function, parameter) in LIST_PARAMETERS
            int_valued = _int_valued(argument.value, context)
            if int_valued or (listed and _holds_int(argument.value, context)):
                given = code_of(argument.value)
                if argument.keyword is not None:
                    given = f"{argument.keyword.value}={given}"
                message = self.message.format(
                    receiver=context.receiver, argument=given, function=short, parameter=parameter
                )
                context.report(node, message, fix=_float_fix(argument.value) if int_valued else None)
                return

    def _check_submodule(self, node: cst.Call, name: str, context: RuleContext) -> None:
        """`self.act(x)` where every assignment of `act` builds a torch module with an int for a
        float, or an `nn.Sequential` holding one."""
        found = []
        for assignment in context.attribute(name):
            if assignment.kind is AttributeKind.MODULE_CONTAINER:
                built = [(_int_parameter(c, ints), c) for c, ints in assignment.element_int_arguments]
                hit = next(((parameter, c) for parameter, c in built if parameter is not None), None)
                if hit is None:
                    return
                found.append((hit[1], hit[0], self.element_message))
                continue
            parameter = _int_parameter(assignment.callee, assignment.int_arguments)
            if parameter is None:
                return
            found.append((assignment.callee, parameter, self.module_message))
        if found:
            module, parameter, message = found[0]
            short = _torch_module(module).replace("torch.nn.", "nn.")
            fix = (
                _construction_fix(name, module, parameter, context)
                if len(found) == 1 and message is self.module_message
                else None
            )
            context.report(
                node, message.format(receiver=context.receiver, name=name, module=short, parameter=parameter), fix=fix
            )


def _float_fix(value: cst.BaseExpression):
    """The int made a float: a literal becomes a float literal (`2` -> `2.0`, `-1` -> `-1.0`), any
    other int expression `float(...)` (TorchScript has `float(int)`). Safe: the torch function
    takes a float, and eager PyTorch computes the same with the float."""
    literal = value.expression if isinstance(value, cst.UnaryOperation) else value
    if isinstance(literal, cst.Integer):
        try:
            number = float(ast.literal_eval(literal.value))
        except (ValueError, OverflowError, SyntaxError):
            return None
        text = f"{literal.value}.0" if literal.value.isdigit() else repr(number)
        if "inf" in text or "e" in text:
            return None
        return replace_node(literal, text, f"Write the float literal `{text}`")
    # The value's own parentheses lie outside its source range: they stay around the call.
    inner = code_of(value.with_changes(lpar=[], rpar=[])) if getattr(value, "lpar", None) else code_of(value)
    return replace_node(value, f"float({inner})", f"Convert with `float({inner})`")


def _construction_fix(name: str, module: str, parameter: str, context: RuleContext):
    """`self.drop = nn.Dropout(0)` in `__init__` -> `nn.Dropout(0.0)`: the int literal the module is
    built with, in the one assignment of `self.<name>` in `__init__` of a class of this file."""
    tree = context.source[0]
    torch_module = _torch_module(module)
    position = dict(MODULE_FLOAT_PARAMETERS.get(torch_module, ())).get(parameter) if torch_module else None
    if tree is None:
        return None
    calls = []
    for qualname, _ in context.classes():
        if qualname.rpartition(".")[0] != context.file.module_name:
            continue
        klass = class_nodes(tree).get(qualname.rpartition(".")[2])
        if klass is not None:
            calls.extend(_constructions(klass, name, torch_module, context))
    if len(calls) != 1:
        return None
    args = calls[0].args
    chosen = next((a for a in args if a.keyword is not None and a.keyword.value == parameter), None)
    if chosen is None and position is not None and position < len(args) and args[position].keyword is None:
        if not any(a.star for a in args[: position + 1]):
            chosen = args[position]
    if chosen is None or not isinstance(chosen.value, (cst.Integer, cst.UnaryOperation)):
        return None
    return _float_fix(chosen.value)


def _constructions(klass: cst.ClassDef, name: str, torch_module: Optional[str], context: RuleContext) -> list:
    """The calls of `torch_module` assigned to `self.<name>` in the class's `__init__`."""
    found: list = []
    for member in klass.body.body if isinstance(klass.body, cst.IndentedBlock) else ():
        if not (isinstance(member, cst.FunctionDef) and member.name.value == "__init__" and member.params.params):
            continue
        self_name = member.params.params[0].name.value

        def enter(node, self_name: str = self_name, member: cst.FunctionDef = member) -> bool:
            if isinstance(node, cst.Assign) and len(node.targets) == 1 and isinstance(node.value, cst.Call):
                target = node.targets[0].target
                if (
                    isinstance(target, cst.Attribute)
                    and isinstance(target.value, cst.Name)
                    and target.value.value == self_name
                    and target.attr.value == name
                    and _torch_module(context.qualify(node.value.func)) == torch_module
                ):
                    found.append(node.value)
            return not isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) or node is member

        walk(member, enter)
    return found


def _int_parameter(callee: Optional[str], int_arguments: Tuple[str, ...]) -> Optional[str]:
    """The float parameter of the torch module `callee` that `int_arguments` give an int, if any."""
    module = _torch_module(callee)
    parameters = MODULE_FLOAT_PARAMETERS.get(module, ()) if module is not None else ()
    given = set(int_arguments)
    return next((p for p, position in parameters if p in given or str(position) in given), None)


def _torch_module(callee: Optional[str]) -> Optional[str]:
    """`torch.nn.X` for `torch.nn.X` or `torch.nn.modules.<file>.X`."""
    if callee is None or not callee.startswith("torch.nn."):
        return None
    return "torch.nn." + callee.rsplit(".", 1)[1]


def _project_callee(node: cst.Call, context: RuleContext) -> Optional[FunctionInfo]:
    """The project function or method `node` calls, when its parameters line up with the call's
    arguments: `self.method(...)` (the same method in every class the caller is compiled for), or a
    module-level or static function by name."""
    func = node.func
    if context.self_attribute(func) is not None:
        assert isinstance(func, cst.Attribute)
        found = {
            context.scope.compiled_class(name).method(func.attr.value)
            for name in context.compiled.classes
            if name is not None
        }
        callee = found.pop() if len(found) == 1 else None
    else:
        qualified = context.qualify(func)
        index = context.scope.index
        callee = index.functions.get(index.resolve(qualified)) if qualified is not None else None
        if callee is not None and callee.self_name is not None:
            return None  # `Class.method(obj, ...)`: the arguments are shifted by the instance
    if callee is None or callee.has_overloads or callee.type_comment or callee.takes_var_args:
        return None
    return callee


def _bound(arguments: Sequence[cst.Arg], parameters: Tuple[Tuple[str, Optional[int]], ...]):
    """(argument, parameter name) for each argument given to one of `parameters`."""
    by_position = {position: name for name, position in parameters if position is not None}
    names = {name for name, _ in parameters}
    for index, argument in enumerate(arguments):
        if argument.keyword is None and index in by_position:
            yield argument, by_position[index]
        elif argument.keyword is not None and argument.keyword.value in names:
            yield argument, argument.keyword.value


def _int_valued(value: cst.BaseExpression, context: RuleContext, seen: frozenset = frozenset()) -> bool:
    """An expression TorchScript types as `int`: an int literal, int arithmetic of such values, a
    parameter annotated `int` that the function never rebinds, or a local only ever assigned such
    values (`s = 2`)."""
    if isinstance(value, cst.Integer):
        return True
    if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
        return _int_valued(value.expression, context, seen)
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, INT_OPERATORS):
        return _int_valued(value.left, context, seen) and _int_valued(value.right, context, seen)
    if isinstance(value, cst.Name):
        param = context.typed_parameters().get(value.value)
        if param is not None:
            return param.annotation is not None and context.qualify(param.annotation.annotation) in INT_TYPES
        assigned = context.plain_assignments().get(value.value)
        return (
            assigned is not None
            and value.value not in seen
            and not is_parameter(value.value, context)
            and all(_int_valued(v, context, seen | {value.value}) for v in assigned)
        )
    name = context.self_attribute(value)
    if name is not None:  # `self.p` that the class only ever sets to int literals, with no class-body type
        assignments = context.attribute(name)
        return (
            bool(assignments)
            and all(_int_assignment(a) for a in assignments)
            and not any(name in klass.annotations for _, klass in context.classes())
        )
    return False


def _int_assignment(assignment) -> bool:
    """`self.p = 0`, or `self.p = p` in `__init__` with `p: int` (the built instance holds an int)."""
    if assignment.kind is AttributeKind.CONSTANT:
        return assignment.callee == "int"
    return assignment.parameter_type == "int"


def _holds_int(value: cst.BaseExpression, context: RuleContext) -> bool:
    return isinstance(value, (cst.List, cst.Tuple)) and any(
        isinstance(e, cst.Element) and _int_valued(e.value, context) for e in value.elements
    )
