"""
Records: the annual file plan (Danh mục hồ sơ), case files (hồ sơ), transfer to the agency
archive as E-ARK packages, retention and destruction, legal holds, and certified copies
(sao y, sao lục, trích sao). See docs/records.md.
"""
