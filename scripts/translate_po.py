"""Fill empty Indonesian msgstrs from a JSON mapping {msgid: msgstr} (used with scripts/i18n):
    python scripts/translate_po.py mapping.json"""
import json
import sys

from babel.messages.pofile import read_po, write_po

PO = "translations/id/LC_MESSAGES/messages.po"


def main(mapping_path):
    with open(mapping_path, encoding="utf-8") as fh:
        mapping = json.load(fh)
    with open(PO, "rb") as fh:
        catalog = read_po(fh, locale="id")
    filled = 0
    for message in catalog:
        if isinstance(message.id, str) and message.id in mapping and not message.string:
            message.string = mapping[message.id]
            filled += 1
    with open(PO, "wb") as fh:
        write_po(fh, catalog, width=120)
    print(f"{filled} translations filled")


if __name__ == "__main__":
    main(sys.argv[1])
