"""Limits checked before a document is validated against the schema or executed.

The view runs them in this order, cheapest first, and answers 400 on the first failure:

1. the request body size (``GRAPHQL_MAX_BODY_BYTES``), before JSON decoding;
2. the parser's token cap (``GRAPHQL_MAX_TOKENS``, graphql-core's ``max_tokens``);
3. :func:`limit_rules`: fragment cycles (graphql-core's ``NoFragmentCyclesRule``),
   introspection when it is off (``GRAPHQL_INTROSPECTION``), NUL in strings, number
   literals longer than JSON bodies may carry (:class:`NumberLiteralsRule`) and
   :class:`OperationLimitsRule` — depth, aliases and field selections per operation,
   counted with fragments expanded (``GRAPHQL_MAX_DEPTH``, ``GRAPHQL_MAX_ALIASES``,
   ``GRAPHQL_MAX_FIELDS``);
4. only then the specification's rules (whose cost grows with the document).

The limits are syntactic, so they need no schema and run on documents that are not
valid yet. Fragments are measured once each, in dependency order and without recursion
through spreads, so a spread cycle (``A → B → A`` or ``A → A``) can neither recurse
forever nor hide work: the edge closing a cycle counts nothing here, and the cycle
itself is reported by ``NoFragmentCyclesRule`` in the same pass. A "fragment bomb"
(each fragment spreading the previous one twice) is measured in linear time and
refused by the field count.

Introspection (``__schema``/``__type``) is exempt from the depth, alias and field
limits when it is on — GraphiQL's own introspection query nests deeper than any
application query — and refused outright when it is off; ``__typename`` is always
allowed and counted like any other field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from graphql import GraphQLError
from graphql.language import (
    BREAK,
    DocumentNode,
    FieldNode,
    FloatValueNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.validation import ASTValidationRule, NoFragmentCyclesRule

from apps.core.jsonbody import MAX_NUMBER_CHARS
from config.graphql.errors import (
    BAD_USER_INPUT,
    INTROSPECTION_DISABLED,
    QUERY_TOO_DEEP,
    TOO_MANY_ALIASES,
    TOO_MANY_FIELDS,
)

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


@dataclass(frozen=True)
class Cost:
    depth: int = 0
    fields: int = 0
    aliases: int = 0

    def nest(self, alias: bool) -> Cost:
        """This cost under one more field."""
        return Cost(self.depth + 1, self.fields + 1, self.aliases + int(alias))

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            max(self.depth, other.depth), self.fields + other.fields, self.aliases + other.aliases
        )


def _direct_spreads(selection_set: SelectionSetNode) -> list[str]:
    names: list[str] = []
    stack = [selection_set]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                names.append(selection.name.value)
            elif isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                stack.append(selection.selection_set)
    return names


class DocumentCost:
    """The cost of each operation of ``document`` with its fragments expanded."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments: dict[str, FragmentDefinitionNode] = {
            node.name.value: node
            for node in document.definitions
            if isinstance(node, FragmentDefinitionNode)
        }
        self.fragment_cost: dict[str, Cost] = {}
        self._measure_fragments()

    def _measure_fragments(self) -> None:
        # Iterative depth-first walk of the spread graph: a fragment is measured once
        # every fragment it spreads is measured (or closes a cycle, which counts 0).
        spreads = {
            name: _direct_spreads(node.selection_set) for name, node in self.fragments.items()
        }
        for root in self.fragments:
            if root in self.fragment_cost:
                continue
            path = [(root, iter(spreads[root]))]
            on_path = {root}
            while path:
                name, pending = path[-1]
                for child in pending:
                    if (
                        child in spreads
                        and child not in self.fragment_cost
                        and child not in on_path
                    ):
                        path.append((child, iter(spreads[child])))
                        on_path.add(child)
                        break
                else:
                    path.pop()
                    on_path.discard(name)
                    self.fragment_cost[name] = self.selection_set(
                        self.fragments[name].selection_set
                    )

    def selection_set(self, node: SelectionSetNode | None) -> Cost:
        """Recursive within one definition only (the parser caps that nesting)."""
        total = Cost()
        if node is None:
            return total
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value in INTROSPECTION_FIELDS:
                    continue
                total += self.selection_set(selection.selection_set).nest(bool(selection.alias))
            elif isinstance(selection, InlineFragmentNode):
                total += self.selection_set(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                # Unknown fragments and the edge closing a cycle count nothing here.
                total += self.fragment_cost.get(selection.name.value, Cost())
        return total

    def operation(self, node: OperationDefinitionNode) -> Cost:
        return self.selection_set(node.selection_set)


class OperationLimitsRule(ASTValidationRule):
    """Refuse operations deeper, wider or more aliased than the settings allow."""

    def enter_document(self, node: DocumentNode, *_args: Any) -> Any:
        max_depth = settings.GRAPHQL_MAX_DEPTH
        max_aliases = settings.GRAPHQL_MAX_ALIASES
        max_fields = settings.GRAPHQL_MAX_FIELDS
        cost = DocumentCost(node)
        for operation in node.definitions:
            if not isinstance(operation, OperationDefinitionNode):
                continue
            spent = cost.operation(operation)
            name = f"Operation '{operation.name.value}'" if operation.name else "The operation"
            if spent.depth > max_depth:
                self._refuse(
                    f"{name} is nested {spent.depth} levels deep; the limit is {max_depth}.",
                    QUERY_TOO_DEEP,
                    operation,
                )
            if spent.aliases > max_aliases:
                self._refuse(
                    f"{name} uses {spent.aliases} aliases; the limit is {max_aliases}.",
                    TOO_MANY_ALIASES,
                    operation,
                )
            if spent.fields > max_fields:
                self._refuse(
                    f"{name} selects {spent.fields} fields (fragments expanded); "
                    f"the limit is {max_fields}.",
                    TOO_MANY_FIELDS,
                    operation,
                )
        return BREAK  # measured from the document; no need to visit its nodes

    def _refuse(self, message: str, code: str, node: OperationDefinitionNode) -> None:
        self.report_error(GraphQLError(message, node, extensions={"code": code}))


class IntrospectionRule(ASTValidationRule):
    """Refuse ``__schema`` and ``__type`` (``__typename`` stays allowed)."""

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if node.name.value in INTROSPECTION_FIELDS:
            self.report_error(
                GraphQLError(
                    f"Introspection is disabled: '{node.name.value}' cannot be queried.",
                    node,
                    extensions={"code": INTROSPECTION_DISABLED},
                )
            )


NUL_MESSAGE = "Text may not contain NUL (U+0000) characters."


class NoNulCharactersRule(ASTValidationRule):
    """Refuse string literals holding NUL: no text column (PostgreSQL's included) can store
    or compare it, so it can only ever be an attack or a mistake."""

    def enter_string_value(self, node: Any, *_args: Any) -> None:
        if "\x00" in node.value:
            self.report_error(GraphQLError(NUL_MESSAGE, node, extensions={"code": BAD_USER_INPUT}))


class NumberLiteralsRule(ASTValidationRule):
    """Refuse number literals longer than JSON bodies may carry (``MAX_NUMBER_CHARS``).

    graphql-core converts ``Int`` (and ``GenericScalar``) literals with ``int()``, which
    refuses more than 4,300 digits with a ``ValueError`` that would surface as an internal
    error; no argument of this API needs more than a few digits.
    """

    def enter_int_value(self, node: IntValueNode, *_args: Any) -> None:
        self._check(node)

    def enter_float_value(self, node: FloatValueNode, *_args: Any) -> None:
        self._check(node)

    def _check(self, node: IntValueNode | FloatValueNode) -> None:
        if len(node.value) > MAX_NUMBER_CHARS:
            self.report_error(
                GraphQLError(
                    f"A number literal is {len(node.value)} characters long; "
                    f"the limit is {MAX_NUMBER_CHARS}.",
                    node,
                    extensions={"code": BAD_USER_INPUT},
                )
            )


def has_nul(value: Any) -> bool:
    """Whether a variables value holds NUL anywhere (keys included)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    return False


def limit_rules() -> list[type[ASTValidationRule]]:
    """The rules run before the specification's rules (the settings are read per request)."""
    rules: list[type[ASTValidationRule]] = [
        NoFragmentCyclesRule,
        OperationLimitsRule,
        NoNulCharactersRule,
        NumberLiteralsRule,
    ]
    if not settings.GRAPHQL_INTROSPECTION:
        rules.append(IntrospectionRule)
    return rules


__all__ = [
    "Cost",
    "DocumentCost",
    "IntrospectionRule",
    "NoNulCharactersRule",
    "NumberLiteralsRule",
    "OperationLimitsRule",
    "has_nul",
    "limit_rules",
]
