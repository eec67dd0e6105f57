"""The Azure AI Search index, defined once: its fields, vector search and semantic ranking, and
the mapping between our passages and its documents.

One search document is one passage. Its key is the passage id (`doc#seq`) in URL-safe base64,
because keys may only hold letters, digits, `_`, `-` and `=`. The document's content hash is
stored on every passage; the indexer reads it back from each document's first passage (seq 0).
Azure SDK types are created here and never leave the retrieval/azure_* modules.
"""
from __future__ import annotations

import base64
from collections.abc import Mapping

from retrieval.models import DocumentRecord, Passage

# --- field names (the only place they are spelled) -----------------------------------------
KEY = "id"
CONTENT = "content"
TITLE = "title"
ARTICLE = "article"
ARTICLE_KEY = "article_key"
PARAGRAPH = "paragraph"
PAGE = "page"
URL = "url"
CATEGORY = "category"
EFFECTIVE_DATE = "effective_date"
HEADINGS = "headings"
CAPTION = "caption"
SUPPLEMENTARY = "supplementary"
DOC_ID = "doc_id"
SEQ = "seq"
CONTENT_HASH = "content_hash"
ALLOWED_GROUPS = "allowed_groups"
INDEXED_AT = "indexed_at"
CONTENT_VECTOR = "content_vector"

# Fields a search returns (everything but the vector, which nobody reads back).
RETRIEVED_FIELDS = [KEY, CONTENT, TITLE, ARTICLE, ARTICLE_KEY, PARAGRAPH, PAGE, URL, CATEGORY,
                    EFFECTIVE_DATE, HEADINGS, CAPTION, SUPPLEMENTARY, DOC_ID, SEQ, ALLOWED_GROUPS]

SEMANTIC_CONFIGURATION = "reiki-semantic"
VECTOR_PROFILE = "reiki-vector-profile"
HNSW_CONFIGURATION = "reiki-hnsw"
VECTORIZER = "reiki-azure-openai"
JAPANESE_ANALYZER = "ja.microsoft"
# The embedding model behind the deployment; the integrated vectorizer must be told which one.
# text-embedding-3-small matches the default 1536 dimensions (REIKI_AZURE_OPENAI_EMBEDDING_DIMENSIONS).
EMBEDDING_MODEL = "text-embedding-3-small"


def passage_key(passage_id: str) -> str:
    """`doc#seq` in the key alphabet (URL-safe base64 keeps `-`, `_` and `=` only)."""
    return base64.urlsafe_b64encode(passage_id.encode("utf-8")).decode("ascii")


def passage_id_from_key(key: str) -> str:
    return base64.urlsafe_b64decode(key.encode("ascii")).decode("utf-8")


def index_definition(name: str, *, openai_endpoint: str, embedding_deployment: str, dimensions: int,
                     embedding_model: str = EMBEDDING_MODEL):
    """The SearchIndex to create or update. Changing a field's type or analyzer needs a new index
    (the service refuses such updates); adding fields or changing the vectorizer does not."""
    from azure.search.documents.indexes.models import (
        AzureOpenAIVectorizer, AzureOpenAIVectorizerParameters, HnswAlgorithmConfiguration, HnswParameters,
        SearchField, SearchIndex, SemanticConfiguration, SemanticField, SemanticPrioritizedFields,
        SemanticSearch, VectorSearch, VectorSearchProfile)

    def text(field: str, *, searchable: bool = True, filterable: bool = False, collection: bool = False,
             sortable: bool = False) -> SearchField:
        return SearchField(name=field, type="Collection(Edm.String)" if collection else "Edm.String",
                           searchable=searchable, filterable=filterable, sortable=sortable, facetable=False,
                           retrievable=True, analyzer_name=JAPANESE_ANALYZER if searchable else None)

    def plain(field: str, edm: str, *, filterable: bool = True, sortable: bool = False) -> SearchField:
        return SearchField(name=field, type=edm, searchable=False, filterable=filterable, sortable=sortable,
                           facetable=False, retrievable=True)

    fields = [
        SearchField(name=KEY, type="Edm.String", key=True, searchable=False, filterable=True,
                    sortable=False, facetable=False, retrievable=True),
        text(CONTENT),
        text(TITLE),
        text(ARTICLE),
        text(CAPTION),
        text(HEADINGS, collection=True),
        plain(ARTICLE_KEY, "Edm.String"),
        plain(PARAGRAPH, "Edm.String", filterable=False),
        plain(PAGE, "Edm.Int32", filterable=False),
        plain(URL, "Edm.String", filterable=False),
        plain(CATEGORY, "Edm.String"),
        plain(EFFECTIVE_DATE, "Edm.String", sortable=True),  # ISO date when known, else as written
        plain(SUPPLEMENTARY, "Edm.Boolean"),
        plain(DOC_ID, "Edm.String"),
        plain(SEQ, "Edm.Int32"),
        plain(CONTENT_HASH, "Edm.String", filterable=False),
        SearchField(name=ALLOWED_GROUPS, type="Collection(Edm.String)", searchable=False, filterable=True,
                    facetable=False, retrievable=True),
        plain(INDEXED_AT, "Edm.DateTimeOffset", sortable=True),
        SearchField(name=CONTENT_VECTOR, type="Collection(Edm.Single)", searchable=True, retrievable=False,
                    stored=True, vector_search_dimensions=dimensions, vector_search_profile_name=VECTOR_PROFILE),
    ]
    vector_search = VectorSearch(
        algorithms=[HnswAlgorithmConfiguration(name=HNSW_CONFIGURATION,
                                               parameters=HnswParameters(metric="cosine"))],
        profiles=[VectorSearchProfile(name=VECTOR_PROFILE, algorithm_configuration_name=HNSW_CONFIGURATION,
                                      vectorizer_name=VECTORIZER)],
        # No key and no identity: the search service calls Azure OpenAI as its own managed identity
        # (infra grants it Cognitive Services OpenAI User).
        vectorizers=[AzureOpenAIVectorizer(vectorizer_name=VECTORIZER, parameters=AzureOpenAIVectorizerParameters(
            resource_url=openai_endpoint, deployment_name=embedding_deployment, model_name=embedding_model))],
    )
    semantic = SemanticSearch(
        default_configuration_name=SEMANTIC_CONFIGURATION,
        configurations=[SemanticConfiguration(
            name=SEMANTIC_CONFIGURATION,
            prioritized_fields=SemanticPrioritizedFields(
                title_field=SemanticField(field_name=TITLE),
                content_fields=[SemanticField(field_name=CONTENT)],
                keywords_fields=[SemanticField(field_name=ARTICLE), SemanticField(field_name=CAPTION),
                                 SemanticField(field_name=HEADINGS)]))],
    )
    return SearchIndex(name=name, fields=fields, vector_search=vector_search, semantic_search=semantic)


def embedding_text(passage: Passage) -> str:
    """What the content vector encodes: the passage with the names a question may use for it."""
    label = " ".join(part for part in (passage.title, passage.article, passage.paragraph,
                                       f"（{passage.caption}）" if passage.caption else None) if part)
    return f"{label}\n{passage.text}"


def to_search_document(record: DocumentRecord, passage: Passage, vector: list[float], indexed_at: str) -> dict:
    return {
        KEY: passage_key(passage.passage_id),
        CONTENT: passage.text,
        TITLE: passage.title,
        ARTICLE: passage.article,
        ARTICLE_KEY: passage.article_key,
        PARAGRAPH: passage.paragraph,
        PAGE: passage.page,
        URL: passage.url,
        CATEGORY: passage.category,
        EFFECTIVE_DATE: passage.effective_date,
        HEADINGS: list(passage.headings),
        CAPTION: passage.caption,
        SUPPLEMENTARY: passage.supplementary,
        DOC_ID: passage.doc,
        SEQ: passage.seq,
        CONTENT_HASH: record.content_hash,
        ALLOWED_GROUPS: list(passage.allowed_groups),
        INDEXED_AT: indexed_at,
        CONTENT_VECTOR: vector,
    }


def to_passage(document: Mapping) -> Passage:
    """Our Passage from a search result (extra @search.* entries are ignored)."""
    return Passage(
        doc=document[DOC_ID],
        seq=int(document[SEQ]),
        title=document.get(TITLE) or "",
        text=document.get(CONTENT) or "",
        article=document.get(ARTICLE),
        article_key=document.get(ARTICLE_KEY),
        paragraph=document.get(PARAGRAPH),
        page=document.get(PAGE),
        headings=tuple(document.get(HEADINGS) or ()),
        caption=document.get(CAPTION),
        supplementary=bool(document.get(SUPPLEMENTARY)),
        url=document.get(URL),
        category=document.get(CATEGORY),
        effective_date=document.get(EFFECTIVE_DATE),
        allowed_groups=tuple(document.get(ALLOWED_GROUPS) or ()),
    )
