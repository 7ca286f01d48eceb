"""Official documents (DESIGN §5): the Keputusan Bupati, the Piagam Penghargaan, signing and verification.

- ``indonesian``: dates, Rupiah and terbilang;
- ``numbering``: the decree number register;
- ``content``: what a decree or a certificate says (from the database and the configuration);
- ``render``: HTML → PDF with WeasyPrint (autoescaped templates, an asset-only url_fetcher);
- ``signing``: the Signer interface and the local PAdES signer (pyHanko);
- ``storage``: issued PDFs on disk, written once;
- ``issuing``: sign a decree inside its ``sign`` transition; issue certificates afterwards (jobs);
- ``verify``: public verification by code or by file.
"""
