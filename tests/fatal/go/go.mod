module gocoredump.test/fatal

go 1.19
