{
  "targets": [
    {
      "target_name": "bgpsock",
      "sources": ["bgpsock.c"],
      "cflags": ["-Wall", "-O2"]
    }
  ]
}
