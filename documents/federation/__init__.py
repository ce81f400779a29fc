"""
Federation: edXML exchange with peer systems (other portals, the provincial LGSP, the national
axis). Inbound import, the outgoing per-peer stream, status packages, pull mode, package
signatures and signed HTTP requests. Design note: docs/federation.md.
"""
