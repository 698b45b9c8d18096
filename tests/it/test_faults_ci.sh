#!/bin/sh
# The fault suite cut to CI size (tests/faults/, about 2 minutes): the broker
# killed and frozen, the collector and ingest SIGKILLed, power cuts and the
# spool bound, each checked for zero loss and zero duplicates in the database.
# make faults runs the full-length version with every scenario.
exec sh tests/faults/run.sh --ci
