module gocoredump/tests/fullsys

go 1.19
