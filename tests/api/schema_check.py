"""Validate real API responses against the OpenAPI schema drf-spectacular generates (jsonschema).

OpenAPI 3.0's `nullable: true` is turned into JSON Schema's anyOf [..., null] first; everything else
(types, required properties, enums, patterns, nested $refs to components) is checked by jsonschema.
"""

from __future__ import annotations

import re

import jsonschema
from drf_spectacular.generators import SchemaGenerator


def _jsonschema(node):
    if isinstance(node, dict):
        node = {k: _jsonschema(v) for k, v in node.items()}
        if node.pop("nullable", False):
            return {"anyOf": [node, {"type": "null"}]}
        return node
    if isinstance(node, list):
        return [_jsonschema(v) for v in node]
    return node


class Schema:
    def __init__(self):
        self.raw = SchemaGenerator().get_schema(request=None, public=True)
        self.components = _jsonschema(self.raw["components"])
        self.paths = [(re.compile("^" + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$"), template, item)
                      for template, item in self.raw["paths"].items()]

    def operation(self, path: str, method: str) -> dict:
        for regex, template, item in self.paths:
            if regex.match(path) and method in item:
                return item[method]
        raise AssertionError(f"{method.upper()} {path} is not in the schema")

    def validate(self, response, *, method: str = "get") -> None:
        """The response's status is documented and its JSON body matches the documented schema."""
        path = response.wsgi_request.path
        op = self.operation(path, method)
        documented = op["responses"].get(str(response.status_code))
        assert documented is not None, f"{method.upper()} {path}: status {response.status_code} is not documented"
        schema = documented["content"]["application/json"]["schema"]
        root = {**_jsonschema(schema), "components": self.components}
        jsonschema.validate(response.json(), root, cls=jsonschema.Draft7Validator)
