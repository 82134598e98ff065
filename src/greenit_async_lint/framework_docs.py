"""Render docs/frameworks.md: the reference of a framework file (rules/frameworks/*.yaml, or a user's
`extra-handlers` entry).

The keys are described here; the parsers (catalogue/frameworks.py for handler markers,
fix/templates.py for the `remedies` section) say which keys exist, and the tests fail when the
two disagree or when the page on disk is not this rendering (`python -m greenit_async_lint.docs`).
"""
from __future__ import annotations

# (key, sub-keys with their meaning, what the key means). Patterns are qualified names, fnmatch
# globs allowed (`*` also matches dots). An argument spec is `{arg: <position>, kwarg: <keyword>}`.
SCHEMA: list[tuple[str, dict[str, str], str]] = [
    ("framework", {}, "The framework's name, as findings and remedy conditions (`when.frameworks`) show it."),
    ("decorators", {
        "calls": "decorator patterns: a function or method decorated by one of them is a handler",
        "route": "argument spec of the route in the decorator call",
        "dependencies": "argument spec of dependency markers that run before the route (`dependencies=[...]`)",
        "class_methods": "on a decorated class, the methods that handle requests (default `__call__`)",
        "route_prefix_attr": "on a decorated method, the class attribute holding the prefix of its route "
                             "(Flask-AppBuilder's `route_base`)",
    }, "Route decorators (`@app.get('/x')`) and request hooks (`@app.before_request`)."),
    ("registrations", {
        "calls": "patterns of calls that register a view",
        "route": "argument spec of the route",
        "view": "argument spec of the view: a function, a class, `Class.as_view()` or an instance",
        "route_list": "argument spec of a list of (route, view) tuples, instead of `route` and `view` (Tornado)",
        "class_methods": "methods of a registered class that handle requests",
        "method": "argument spec naming the method of a registered class (Pyramid's `attr=`)",
        "includes": "patterns of views that include another module's routes (Django's `include`)",
        "untyped_receiver": "true when the method's name is the framework's own (`add_url_rule`): its call on a "
                            "parameter of unknown type (`def setup(app): app.add_url_rule(...)`) registers too",
    }, "Calls that register a view under a route (`path('x/', view)`, `add_url_rule`)."),
    ("class_views", {
        "bases": "base-class patterns",
        "methods": "the methods that handle requests",
    }, "Class-based views: the methods named in `methods` of a class deriving from one of `bases`."),
    ("method_maps", {
        "calls": "patterns of calls that map HTTP methods to handler method names",
        "mapping": "argument spec of the `{http method: method name}` dict",
        "bases": "base-class patterns of the classes whose methods the names are",
    }, "A custom router's `Route(mapping={'get': 'bulk_list'})`: the mapped names are handler methods."),
    ("class_attr_calls", {
        "bases": "view base-class patterns",
        "attr": "the class attribute (`form_class`)",
        "calls": "methods of the attribute's class the framework calls",
        "instance_calls": "methods the framework calls on an instance of the attribute's class",
    }, "A view class attribute whose class's methods the framework runs in the request."),
    ("implicit_calls", {
        "bases": "patterns of the classes the call is made on",
        "methods": "the methods whose call runs the project's methods (`is_valid`)",
        "calls": "the project's methods that then run (`clean_*`)",
        "names": "or: outside calls made on a project class",
        "model": "a class-attribute path to a model class (`Meta.model`)",
        "model_calls": "what the call amounts to on that model (its `save`)",
    }, "Calling a framework method runs project methods (form validators, serializer `create`)."),
    ("dependency_markers", {
        "calls": "marker patterns (`fastapi.Depends`)",
        "provider": "argument spec of the provider function",
        "sync_in_threadpool": "true when a plain `def` provider runs in a worker thread, off the event loop",
    }, "Parameter defaults whose provider runs in the request; the fixer never passes such a parameter to a "
       "worker (`RemedyCatalogue.is_injected`)."),
    ("signals", {
        "receivers": "decorator patterns that connect a receiver",
        "connect_methods": "method names that connect a receiver (`post_save.connect`)",
        "send_methods": "method names that send a signal",
        "implicit": "list of `{calls, signals}`: calls that send these signals (a model's `save`)",
    }, "Receivers that run when a signal is sent, or when a model is saved."),
    ("sync_handlers_on_loop", {}, "True when the framework calls plain `def` handlers on its event loop (Sanic)."),
    ("instances", {
        "returns": "calls that return an instance of the project class they are made on",
        "iterates": "calls whose items are such instances",
        "first_arg": "calls that return an instance of the class passed first (`get_object_or_404`)",
    }, "Outside calls that give back instances of a project class, so that its overrides are followed."),
    ("setting_lists", {
        "name": "the module-level name (`MIDDLEWARE`)",
        "methods": "the methods of each listed class that run in every request",
    }, "A module-level list of dotted class paths whose classes run in every request."),
    ("router_includes", {
        "calls": "patterns of calls that include a router",
        "router": "argument spec of the router",
        "dependencies": "argument spec of the dependency markers that run before each of its routes",
    }, "Including a router with dependencies runs them before every route of that router."),
    ("service_locators", {
        "lookups": "patterns of the lookup calls (`pyramid.request.Request.find_service`)",
        "interface": "argument spec of the interface looked up",
        "name": "argument spec of the service name looked up",
        "registrations": "list of `{calls, factory or instance, interface, name}`: calls that register a factory "
                         "(called at lookup: its result is the service) or an instance, with the argument specs of "
                         "each part",
        "implementers": "class-decorator patterns naming the interfaces a class implements (`zope.interface."
                        "implementer`): these classes stand in for a factory that cannot be followed (a class "
                        "chosen by a setting), through the factory method it names when they have one",
        "untyped_receiver": "true when the lookup's and the registrations' method names are the framework's own: "
                            "their call on a receiver of unknown type (an unannotated `request`) counts",
    }, "Service locators: a lookup gives what the project registered for that interface and name at start-up, "
       "every matching registration a candidate."),
    ("request_extensions", {
        "calls": "patterns of calls that add an attribute to every request (`add_request_method`)",
        "callable": "argument spec of the callable",
        "name": "argument spec of the attribute's name (default: the callable's own name)",
        "property_flags": "keywords whose true value makes the attribute the callable's result (`reify`, "
                          "`property`); without one, the attribute is a method running the callable",
        "request_types": "patterns of the request types the attribute is read on",
        "untyped_receiver": "true when the attribute also counts on a receiver of unknown type (an unannotated "
                            "`request`)",
    }, "Request extensions: `request.http` is what the callable added under `http` at start-up returns."),
    ("request", {
        "type": "the request class (`django.http.HttpRequest`); its top-level package must be imported somewhere "
                "in the project for the section to apply",
        "parameters": "the names an unannotated parameter holding the request has by the framework's convention "
                      "(`request`): such a parameter is an instance of `type`",
        "bodies": "attributes of the request holding the posted body (`body`, `json_body`): a loop over what is "
                  "taken from them, or parsed from them (`rules/volume.yaml` `parses`), is as long as the client "
                  "made it",
        "fields": "attributes of the request holding the form's fields and files (`POST`, `FILES`): a field is one "
                  "value and `getlist` the boxes or files the user picked, but a field's text split into lines "
                  "(`rules/volume.yaml` `splits`: a pasted list) or a field or file parsed is as long as the "
                  "client made it",
    }, "The request object of views that take it as a plain parameter, and where its data is."),
    ("relations", {
        "fields": "patterns of the foreign-key field classes declared on a child model",
        "parent": "argument spec of the parent model in the field's call (a class, or its name as a string)",
        "name": "argument spec of the relation's name on the parent (`related_name`)",
        "default_name": "the relation's name without one; `{child}` is the child class's name in lower case "
                        "(default `{child}_set`)",
        "creates": "patterns of outside calls creating a child besides calling its class (`objects.create`)",
    }, "Relations: a loop over a parent's relation (`job.items.all()`) yields children; it is as long as the "
       "data when the project creates the children one per row of an unbounded collection (an import's items, "
       "one per uploaded row), and one object's few relations otherwise."),
    ("remedies", {
        "like": "another framework whose `remedies` section this one starts from (its own keys win)",
        "accepted": "the statement(s) that answer 202 Accepted; `$status` is the status URL expression",
        "imports": "list of `{module, name, as}` the `accepted` template needs",
        "request_objects": "names bound to the request or the application context: work that reads them cannot "
                           "move to a worker",
        "context_attributes": "attribute names whose use needs the application context (`Model.query`, "
                              "`get_or_404`): work that uses them cannot move to a worker",
        "background_tasks": "`{types, import}`: an endpoint receives background tasks through a parameter "
                            "annotated with one of `types`; a new one is annotated with what `import` binds",
    }, "What the fixer writes for this framework (read by the fix layer, not by the engine). Without "
       "`accepted`, findings get suggestions only, no move-to-queue fix."),
]

EXAMPLE = """\
# A user's framework, in pyproject.toml as `extra-handlers = [{...}]`, or as a file in rules/frameworks/.
framework: micro
decorators:
  - calls: [micro.App.endpoint]
    route: {arg: 0}
registrations:
  - calls: [micro.App.add]
    route: {arg: 0}
    view: {arg: 1, kwarg: handler}
remedies:
  like: flask
  request_objects: [micro.request]
"""


def render() -> str:
    lines = ["# Framework files\n",
             "Generated by `python -m greenit_async_lint.docs` from the schema in `framework_docs.py`; a test "
             "fails when this page drifts from the parsers or the shipped files.\n",
             "A framework file (`rules/frameworks/<name>.yaml`, or an entry of `extra-handlers` in the "
             "configuration) holds everything about one framework: how its handlers are found, what runs "
             "in its requests, and what the fixer writes for it. The engine names no framework: it reads "
             "these files. Patterns are qualified names (`from flask import Flask; app = Flask()` makes "
             "`app.get` the pattern `flask.Flask.get`), fnmatch globs allowed; an argument spec is "
             "`{arg: <position>, kwarg: <keyword>}`.\n",
             "## Example\n", f"```yaml\n{EXAMPLE}```\n",
             "## What the engine adds to every rule\n",
             "- **Forwarders**: a project function that passes one of its parameters as the view of a "
             "registration (`def add_org_resource(self, resource, *urls): self.add_resource(resource, ...)`, "
             "an `add_url_rule` override calling `super()`) is a registration too, a few levels deep.",
             "- **Entry methods**: when a forwarder hands a class to a project function whose wrapper calls "
             "`cls().process()`, `process` is the class's entry; the overrides an entry inherited from a "
             "project base reaches through `self.m()`, `super().m()` or `getattr(self, 'm_' + verb)` are the "
             "class's handlers (template methods).",
             "- **Decorator factories**: a project function that applies a known decorator (in its body or "
             "a nested function), and a `functools.partial` of it, is that decorator.",
             "- **Generic bases**: a subscripted base (`GenericAPIView[Any]`) is its base.\n",
             "## Keys\n"]
    for key, subkeys, meaning in SCHEMA:
        lines.append(f"### `{key}`\n")
        lines.append(f"{meaning}\n")
        if subkeys:
            lines += ["| key | meaning |", "| --- | --- |"]
            lines += [f"| `{sub}` | {text} |" for sub, text in subkeys.items()]
            lines.append("")
    return "\n".join(lines)
