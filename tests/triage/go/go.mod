module example.com/gocoredump/triage

go 1.19
