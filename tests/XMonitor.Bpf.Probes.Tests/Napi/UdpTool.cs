namespace XMonitor.Bpf.Probes.Tests.Napi;

/// <summary>A tiny UDP sender and counting receiver in C, compiled once per test run.</summary>
internal static class UdpTool
{
    // "udp send ADDR PORT COUNT" sends COUNT datagrams of 64 bytes; "udp recv PORT IDLE_MS" prints
    // "ready" once bound, counts datagrams until none came for IDLE_MS, then prints the count.
    private const string Source = """
        #include <arpa/inet.h>
        #include <poll.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/socket.h>

        int main(int argc, char **argv)
        {
        	struct sockaddr_in a = { .sin_family = AF_INET };
        	char buf[2048] = { 0 };
        	int s = socket(AF_INET, SOCK_DGRAM, 0);
        	long n = 0, count;

        	if (argc == 5 && !strcmp(argv[1], "send")) {
        		inet_pton(AF_INET, argv[2], &a.sin_addr);
        		a.sin_port = htons(atoi(argv[3]));
        		count = atol(argv[4]);
        		for (n = 0; n < count; n++)
        			if (sendto(s, buf, 64, 0, (struct sockaddr *)&a, sizeof(a)) != 64)
        				return perror("sendto"), 1;
        		return 0;
        	}
        	if (argc == 4 && !strcmp(argv[1], "recv")) {
        		int size = 16 << 20;
        		struct pollfd p = { .fd = s, .events = POLLIN };
        		a.sin_port = htons(atoi(argv[2]));
        		/* A receive buffer large enough that no datagram of the test is dropped. */
        		setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
        		if (bind(s, (struct sockaddr *)&a, sizeof(a)))
        			return perror("bind"), 1;
        		printf("ready\n");
        		fflush(stdout);
        		while (poll(&p, 1, atoi(argv[3])) > 0)
        			if (recv(s, buf, sizeof(buf), 0) > 0)
        				n++;
        		printf("%ld\n", n);
        		return 0;
        	}
        	fprintf(stderr, "usage: udp send ADDR PORT COUNT | udp recv PORT IDLE_MS\n");
        	return 2;
        }
        """;

    private static readonly Lazy<string?> Binary = new(Compile);

    /// <summary>The compiled tool's path; fails (or skips) the test without a C compiler.</summary>
    public static string Path
    {
        get
        {
            if (Binary.Value is { } path)
                return path;
            BpfEnvironment.Fail("no C compiler (cc, gcc or clang) to build the UDP helper");
            throw new InvalidOperationException("unreachable");
        }
    }

    private static string? Compile()
    {
        var compiler = Tool.Find("cc", "gcc", "clang");
        if (compiler is null)
            return null;
        var dir = Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"xmonitor-tests-{Environment.ProcessId}")).FullName;
        var source = System.IO.Path.Combine(dir, "udp.c");
        var output = System.IO.Path.Combine(dir, "udp");
        File.WriteAllText(source, Source);
        var (code, _, error) = Tool.Run(compiler, "-O2", "-Wall", "-o", output, source);
        Assert.True(code == 0, $"{compiler} failed to build the UDP helper: {error}");
        return output;
    }
}
