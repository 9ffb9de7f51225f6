"""The `accord.world/1` interchange format: schema, loading with line numbers, dumping."""

from accord.world.document import FORMAT, BillCheck, DecisionCheck, ExpectedPathway, WorldDocument
from accord.world.dumper import dump_document, dump_world
from accord.world.loader import WorldInvalid, load_world_file, load_world_text
from accord.world.yamlsource import LocatedError

__all__ = [
    "FORMAT",
    "BillCheck",
    "DecisionCheck",
    "ExpectedPathway",
    "LocatedError",
    "WorldDocument",
    "WorldInvalid",
    "dump_document",
    "dump_world",
    "load_world_file",
    "load_world_text",
]
