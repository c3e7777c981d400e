module example.com/gocoredump/heap

go 1.19
