"""
The inside of the edXML parser, one module per concern. Callers use
``documents.edxml.parse_package`` (or ``documents.edxml.parser``); nothing here is public API.

- ``limits``: the size limits and their defaults, the read chunk size.
- ``reader``: safe, bounded reading of the bytes: the input, the lxml parser target (DOCTYPE,
  element count, namespace and root checks; attachment text diverted while it streams).
- ``attachments``: strict streaming base64 decoding, bounded unzipping (zip bombs), matching
  attachments to the manifest.
- ``tree``: reading the envelope tree with element paths (precise errors and warnings), and the
  elements document and status packages share (Organization, StaffInfo, ResponseFor).
- ``dates``: the date and timestamp formats accepted.
- ``document`` / ``status``: the two kinds of package.
- ``envelope``: telling the kind of package, and capturing its Signature element.
"""
