"""A FAKE of the Azure AI Search REST API on loopback, for tests of the real SDK clients.

It is not Azure: it speaks just enough of the protocol (as azure-search-documents sends it) for our
backend: index create/update/get under /indexes, document batches (docs/search.index: upload,
merge, mergeOrUpload, delete), search (docs/search.post.search) and docs/$count. Search is a
simple stand-in for the real engine: keyword hits are the query's character bigrams (of its
kanji, katakana and Latin runs) found in the searchable fields; vectors are compared by cosine (a text vector query is embedded with the Azure
OpenAI fake's function, as the integrated vectorizer would call the embedding deployment);
keyword and vector rankings are fused by reciprocal rank, and "semantic" reranking scores 0..4 by
the share of the query's bigrams a passage holds. $filter is parsed and evaluated for a subset of
OData (and/or/not, eq/ne/lt/le/gt/ge, any/all with lambdas, search.in, literals with '' escapes);
anything else is a 400, as the service would refuse what it cannot parse.

Tests script failures (a whole-request status such as 503, per-document failures giving a 207)
and read back every request in `requests`.
"""
from __future__ import annotations

import asyncio
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from tests.fakes.azure_openai_fake import embed_text

_INDEX_PATH = re.compile(r"^/indexes(?:\('(?P<name>[^']+)'\))?(?P<rest>/.*)?$")
_KEY_ALPHABET = re.compile(r"^[A-Za-z0-9_\-=]+$")
_CONTENT_RUN = re.compile(r"[0-9A-Za-z\u3005\u3007\u30a1-\u30ff\u4e00-\u9fff\uff10-\uff19\uff21-\uff5a]+")
RRF_K = 60
DEFAULT_PAGE = 50
MAX_PAGE = 1000
SEMANTIC_WINDOW = 50


@dataclass
class FakeSearchService:
    api_key: str = "fake-search-key"
    # Statuses for the next indexing requests, in order (e.g. [503]): the whole request fails.
    index_request_failures: list[int] = field(default_factory=list)
    retry_after: str | None = "0"
    # Passage keys whose next indexing action fails with 503 (once each): the batch gets a 207.
    fail_keys_once: set[str] = field(default_factory=set)
    # Passage keys always refused with 400 (a non-retryable per-document failure).
    reject_keys: set[str] = field(default_factory=set)
    search_delay_seconds: float = 0.0  # before answering a search (timeouts)
    indexes: dict[str, dict] = field(default_factory=dict)
    documents: dict[str, dict[str, dict]] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)  # every request: method, path, params, body

    def app(self) -> web.Application:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        return app

    # --- views for tests --------------------------------------------------------------
    def requests_to(self, suffix: str, method: str = "POST") -> list[dict]:
        return [r for r in self.requests if r["method"] == method and r["path"].endswith(suffix)]

    # --- routing ----------------------------------------------------------------------
    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        body = json.loads(raw) if raw else None
        path = unquote(request.path)
        self.requests.append({"method": request.method, "path": path, "params": dict(request.query),
                              "body": body, "headers": dict(request.headers)})
        if request.headers.get("api-key") != self.api_key:
            return _error(403, "Forbidden: missing or wrong api-key")
        if not request.query.get("api-version"):
            return _error(400, "api-version is required")
        match = _INDEX_PATH.match(path)
        if not match:
            return _error(404, f"no such resource: {path}")
        name, rest = match.group("name"), match.group("rest") or ""
        try:
            if name is None:
                if request.method == "GET":
                    return web.json_response({"value": list(self.indexes.values())})
                if request.method == "POST":
                    return self._put_index(body["name"], body)
            elif rest == "":
                if request.method == "PUT":
                    return self._put_index(name, body)
                if request.method == "GET":
                    return self._get_index(name)
                if request.method == "DELETE":
                    return self._delete_index(name)
            elif name not in self.indexes:
                return _error(404, f"The index '{name}' for service 'fake' was not found.")
            elif rest == "/docs/search.index" and request.method == "POST":
                return self._index_batch(name, body)
            elif rest == "/docs/search.post.search" and request.method == "POST":
                if self.search_delay_seconds:
                    await asyncio.sleep(self.search_delay_seconds)
                return self._search(name, body)
            elif rest == "/docs/$count" and request.method == "GET":
                return web.Response(text=str(len(self.documents[name])), content_type="text/plain")
        except ODataError as exc:
            return _error(400, f"Invalid expression: {exc}")
        except BadRequest as exc:
            return _error(400, str(exc))
        return _error(404, f"not supported by the fake: {request.method} {path}")

    # --- index management -------------------------------------------------------------
    def _put_index(self, name: str, definition: dict) -> web.Response:
        if definition.get("name") != name:
            raise BadRequest("the index name in the URL and the body differ")
        fields = definition.get("fields") or []
        if sum(1 for f in fields if f.get("key")) != 1:
            raise BadRequest("an index needs exactly one key field")
        profiles = {p["name"] for p in (definition.get("vectorSearch") or {}).get("profiles", [])}
        for f in fields:
            if f["type"] == "Collection(Edm.Single)" and (
                    not f.get("dimensions") or f.get("vectorSearchProfile") not in profiles):
                raise BadRequest(f"vector field {f['name']} needs dimensions and a known profile")
        old = self.indexes.get(name)
        if old is not None:
            old_fields = {f["name"]: f for f in old["fields"]}
            for f in fields:
                before = old_fields.get(f["name"])
                if before and (before["type"] != f["type"] or before.get("analyzer") != f.get("analyzer")):
                    raise BadRequest(f"Existing field '{f['name']}' cannot be changed")
        stored = {**definition, "@odata.etag": f'"{len(self.requests)}"'}
        self.indexes[name] = stored
        self.documents.setdefault(name, {})
        return web.json_response(stored, status=200 if old is not None else 201)

    def _get_index(self, name: str) -> web.Response:
        if name not in self.indexes:
            return _error(404, f"No index with the name '{name}' was found in the service 'fake'.")
        return web.json_response(self.indexes[name])

    def _delete_index(self, name: str) -> web.Response:
        if self.indexes.pop(name, None) is None:
            return _error(404, f"No index with the name '{name}' was found")
        self.documents.pop(name, None)
        return web.Response(status=204)

    # --- documents ----------------------------------------------------------------------
    def _index_batch(self, name: str, body: dict) -> web.Response:
        if self.index_request_failures:
            status = self.index_request_failures.pop(0)
            headers = {"Retry-After": self.retry_after} if self.retry_after is not None else {}
            return _error(status, "Service unavailable (scripted by the fake)", headers=headers)
        actions = body.get("value") or []
        if len(actions) > MAX_PAGE:
            raise BadRequest(f"a batch may hold at most {MAX_PAGE} actions, got {len(actions)}")
        fields = {f["name"]: f for f in self.indexes[name]["fields"]}
        key_field = next(f["name"] for f in fields.values() if f.get("key"))
        for action in actions:
            unknown = set(action) - set(fields) - {"@search.action"}
            if unknown:
                raise BadRequest(f"The property '{sorted(unknown)[0]}' does not exist on type 'search.documentFields'.")
            for fname, value in action.items():
                spec = fields.get(fname)
                if spec and spec["type"] == "Collection(Edm.Single)" and value is not None \
                        and len(value) != spec["dimensions"]:
                    raise BadRequest(f"vector field {fname} expects {spec['dimensions']} dimensions")
        store = self.documents[name]
        results = []
        for action in actions:
            key = action.get(key_field)
            kind = action.get("@search.action", "upload")
            document = {k: v for k, v in action.items() if k != "@search.action"}
            if not key or not _KEY_ALPHABET.match(key):
                results.append(_item(key, 400, "Invalid document key"))
            elif key in self.reject_keys:
                results.append(_item(key, 400, "Document refused (scripted by the fake)"))
            elif key in self.fail_keys_once:
                self.fail_keys_once.discard(key)
                results.append(_item(key, 503, "Service unavailable for this document (scripted by the fake)"))
            elif kind == "delete":
                store.pop(key, None)
                results.append(_item(key, 200))
            elif kind == "upload":
                created = key not in store
                store[key] = document
                results.append(_item(key, 201 if created else 200))
            elif kind in ("merge", "mergeOrUpload"):
                if key not in store and kind == "merge":
                    results.append(_item(key, 404, "Document not found."))
                    continue
                store[key] = {**store.get(key, {}), **document}
                results.append(_item(key, 200))
            else:
                raise BadRequest(f"unknown action {kind}")
        status = 200 if all(r["status"] for r in results) else 207
        return web.json_response({"value": results}, status=status)

    # --- search -------------------------------------------------------------------------
    def _search(self, name: str, body: dict) -> web.Response:
        index = self.indexes[name]
        fields = {f["name"]: f for f in index["fields"]}
        docs = list(self.documents[name].values())
        if body.get("filter"):
            condition = parse_filter(body["filter"])
            docs = [d for d in docs if condition(d, {})]
        text = (body.get("search") or "").strip()
        searchable = [f["name"] for f in fields.values() if f.get("searchable") and f["type"] in
                      ("Edm.String", "Collection(Edm.String)")]
        rankings: list[list[tuple[dict, float]]] = []
        if text and text != "*":
            grams = query_grams(text)
            hits = [(d, float(found(grams, d, searchable))) for d in docs]
            rankings.append(sorted([h for h in hits if h[1] > 0], key=lambda h: -h[1]))
        for query in body.get("vectorQueries") or []:
            rankings.append(self._vector_ranking(index, fields, docs, query))
        if not rankings:
            scored = [(d, 1.0) for d in docs]
        elif len(rankings) == 1:
            scored = rankings[0]
        else:
            fused: dict[int, list] = {}
            for ranking in rankings:
                for rank, (d, _) in enumerate(ranking, start=1):
                    entry = fused.setdefault(id(d), [d, 0.0])
                    entry[1] += 1.0 / (RRF_K + rank)
            scored = sorted(((d, s) for d, s in fused.values()), key=lambda h: -h[1])
        results = [{"@search.score": s, **d} for d, s in scored]
        if body.get("queryType") == "semantic":
            results = self._rerank(index, body, text, results)
        for order in body.get("orderby") or []:
            fname, _, direction = order.partition(" ")
            results.sort(key=lambda r: (r.get(fname) is None, r.get(fname) or ""),
                         reverse=direction.strip().lower() == "desc")
        return web.json_response(self._page(body, fields, results))

    def _vector_ranking(self, index: dict, fields: dict, docs: list[dict], query: dict) -> list[tuple[dict, float]]:
        fname = query.get("fields")
        spec = fields.get(fname)
        if not spec or spec["type"] != "Collection(Edm.Single)":
            raise BadRequest(f"'{fname}' is not a vector field")
        if query.get("kind") == "text":
            profile = next(p for p in index["vectorSearch"]["profiles"] if p["name"] == spec["vectorSearchProfile"])
            if not profile.get("vectorizer"):
                raise BadRequest(f"no vectorizer is configured for field '{fname}'")
            vector = embed_text(query["text"], spec["dimensions"])
        elif query.get("kind") == "vector":
            vector = query["vector"]
            if len(vector) != spec["dimensions"]:
                raise BadRequest(f"the query vector must have {spec['dimensions']} dimensions")
        else:
            raise BadRequest(f"unsupported vector query kind {query.get('kind')}")
        scored = [(d, _cosine(vector, d[fname])) for d in docs if d.get(fname)]
        scored.sort(key=lambda h: -h[1])
        return scored[:int(query.get("k") or 50)]

    def _rerank(self, index: dict, body: dict, text: str, results: list[dict]) -> list[dict]:
        semantic = index.get("semantic") or {}
        wanted = body.get("semanticConfiguration") or semantic.get("defaultConfiguration")
        config = next((c for c in semantic.get("configurations", []) if c["name"] == wanted), None)
        if config is None:
            raise BadRequest(f"semantic configuration '{wanted}' is not defined on the index")
        prioritized = config["prioritizedFields"]
        names = ([prioritized["titleField"]["fieldName"]] if prioritized.get("titleField") else []) + [
            f["fieldName"] for f in prioritized.get("prioritizedContentFields", [])
            + prioritized.get("prioritizedKeywordsFields", [])]
        grams = query_grams(body.get("semanticQuery") or text)
        window = results[:SEMANTIC_WINDOW]
        for result in window:
            share = found(grams, result, names) / len(grams) if grams else 0.0
            result["@search.rerankerScore"] = round(4.0 * share, 4)
        return sorted(window, key=lambda r: -r["@search.rerankerScore"])

    def _page(self, body: dict, fields: dict, results: list[dict]) -> dict:
        skip = int(body.get("skip") or 0)
        top = body.get("top")
        size = DEFAULT_PAGE if top is None else min(int(top), MAX_PAGE)
        page = results[skip:skip + size]
        hidden = {f["name"] for f in fields.values() if f.get("retrievable") is False}
        select = body.get("select")
        keep = set(select.split(",") if isinstance(select, str) else select) if select else None

        def shape(r: dict) -> dict:
            return {k: v for k, v in r.items()
                    if k.startswith("@search.") or (k not in hidden and (keep is None or k in keep))}

        out: dict[str, Any] = {"value": [shape(r) for r in page]}
        if body.get("count"):
            out["@odata.count"] = len(results)
        remaining = (len(results) if top is None else min(len(results), skip + int(top))) - (skip + len(page))
        if remaining > 0 and page:
            following = {**body, "skip": skip + len(page)}
            if top is not None:
                following["top"] = int(top) - len(page)
            out["@search.nextPageParameters"] = following
            out["@odata.nextLink"] = "fake-next-page"
        return out


# --- a tiny OData $filter evaluator ---------------------------------------------------------

class ODataError(ValueError):
    pass


class BadRequest(ValueError):
    pass


_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<sym>[(),:/])"
                    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))")


def _tokens(text: str) -> list[tuple[str, Any]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match:
            raise ODataError(f"unexpected text at {pos}: {text[pos:pos + 20]!r}")
        pos = match.end()
        if match.group("str") is not None:
            out.append(("str", match.group("str")[1:-1].replace("''", "'")))
        elif match.group("num") is not None:
            number = match.group("num")
            out.append(("num", float(number) if "." in number else int(number)))
        elif match.group("sym") is not None:
            out.append(("sym", match.group("sym")))
        else:
            out.append(("word", match.group("word")))
    return out


def parse_filter(text: str):
    """A predicate `(document, variables) -> bool` for a $filter expression."""
    parser = _Parser(_tokens(text))
    predicate = parser.expression()
    if parser.pos != len(parser.tokens):
        raise ODataError(f"unexpected {parser.tokens[parser.pos][1]!r} after a complete expression")
    return predicate


class _Parser:
    _COMPARE = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b,
                "lt": lambda a, b: a is not None and b is not None and a < b,
                "le": lambda a, b: a is not None and b is not None and a <= b,
                "gt": lambda a, b: a is not None and b is not None and a > b,
                "ge": lambda a, b: a is not None and b is not None and a >= b}

    def __init__(self, tokens: list[tuple[str, Any]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self, offset: int = 0):
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else (None, None)

    def take(self, kind: str | None = None, value: Any = None):
        token = self.peek()
        if token[0] is None or (kind and token[0] != kind) or (value is not None and token[1] != value):
            raise ODataError(f"expected {value or kind}, found {token[1]!r}")
        self.pos += 1
        return token[1]

    def expression(self):
        left = self.conjunction()
        while self.peek() == ("word", "or"):
            self.take()
            right = self.conjunction()
            left = (lambda a, b: lambda d, v: a(d, v) or b(d, v))(left, right)
        return left

    def conjunction(self):
        left = self.unary()
        while self.peek() == ("word", "and"):
            self.take()
            right = self.unary()
            left = (lambda a, b: lambda d, v: a(d, v) and b(d, v))(left, right)
        return left

    def unary(self):
        if self.peek() == ("word", "not"):
            self.take()
            inner = self.unary()
            return lambda d, v: not inner(d, v)
        return self.primary()

    def primary(self):
        kind, value = self.peek()
        if (kind, value) == ("sym", "("):
            self.take()
            inner = self.expression()
            self.take("sym", ")")
            return inner
        if (kind, value) in (("word", "true"), ("word", "false")):
            self.take()
            return lambda d, v, constant=(value == "true"): constant
        if (kind, value) == ("word", "search.in"):
            return self.search_in()
        if kind != "word":
            raise ODataError(f"expected a field, found {value!r}")
        path = self.path()
        if self.peek() == ("sym", "/") and self.peek(1)[1] in ("any", "all"):
            return self.lambda_(path)
        operator = self.peek()
        if operator[0] == "word" and operator[1] in self._COMPARE:
            self.take()
            right = self.operand()
            compare = self._COMPARE[operator[1]]
            return lambda d, v: compare(_resolve(path, d, v), right(d, v))
        return lambda d, v: bool(_resolve(path, d, v))  # a Boolean field on its own

    def path(self) -> list[str]:
        parts = [self.take("word")]
        while self.peek() == ("sym", "/") and self.peek(1)[1] not in ("any", "all"):
            self.take()
            parts.append(self.take("word"))
        return parts

    def operand(self):
        kind, value = self.peek()
        if kind in ("str", "num"):
            self.take()
            return lambda d, v: value
        if kind == "word" and value in ("true", "false", "null"):
            self.take()
            constant = {"true": True, "false": False, "null": None}[value]
            return lambda d, v: constant
        if kind == "word":
            path = self.path()
            return lambda d, v: _resolve(path, d, v)
        raise ODataError(f"expected a value, found {value!r}")

    def lambda_(self, path: list[str]):
        self.take("sym", "/")
        quantifier = self.take("word")
        self.take("sym", "(")
        if self.peek() == ("sym", ")"):
            self.take()
            if quantifier != "any":
                raise ODataError("all() needs a lambda")
            return lambda d, v: bool(_resolve(path, d, v))
        variable = self.take("word")
        self.take("sym", ":")
        body = self.expression()
        self.take("sym", ")")
        test = any if quantifier == "any" else all

        def predicate(d, v):
            items = _resolve(path, d, v) or []
            return test(body(d, {**v, variable: item}) for item in items)
        return predicate

    def search_in(self):
        self.take("word", "search.in")
        self.take("sym", "(")
        subject = self.operand()
        self.take("sym", ",")
        values = self.take("str")
        delimiters = " ,"
        if self.peek() == ("sym", ","):
            self.take()
            delimiters = self.take("str")
        self.take("sym", ")")
        allowed = {part for part in re.split("[" + re.escape(delimiters) + "]", values) if part}
        return lambda d, v: subject(d, v) in allowed


def _resolve(path: list[str], document: dict, variables: dict):
    head, *rest = path
    value = variables[head] if head in variables else document.get(head)
    for part in rest:
        value = value.get(part) if isinstance(value, dict) else None
    return value


# --- scoring helpers --------------------------------------------------------------------------

def query_grams(text: str) -> set[str]:
    """Character bigrams of the kanji/katakana/Latin runs (a one-character run counts as is)."""
    grams: set[str] = set()
    for run in _CONTENT_RUN.findall(text.lower()):
        grams.update([run] if len(run) == 1 else (run[i:i + 2] for i in range(len(run) - 1)))
    return grams


def found(grams: set[str], document: dict, names: list[str]) -> int:
    """How many of the grams occur in the named fields of the document."""
    parts = []
    for name in names:
        value = document.get(name)
        parts.extend(value if isinstance(value, list) else [value] if value else [])
    text = "\n".join(str(p) for p in parts).lower()
    return sum(1 for gram in grams if gram in text)


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)) or 1.0
    return dot / norm


def _item(key: str | None, status: int, message: str | None = None) -> dict:
    return {"key": key, "status": 200 <= status < 300, "errorMessage": message, "statusCode": status}


def _error(status: int, message: str, headers: dict | None = None) -> web.Response:
    return web.json_response({"error": {"code": "", "message": message}}, status=status, headers=headers)
