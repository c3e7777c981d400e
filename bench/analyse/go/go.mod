module example.com/gocoredump/bench

go 1.19
