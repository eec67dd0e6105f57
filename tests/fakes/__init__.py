"""Local HTTP protocol fakes of external services (Azure AI Search, Azure OpenAI, ...).

These are FAKES, not the services: small aiohttp servers on loopback that speak just enough of
each REST protocol for the real SDK clients to run end to end in tests.
"""
