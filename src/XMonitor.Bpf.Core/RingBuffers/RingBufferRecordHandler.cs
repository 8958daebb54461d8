namespace XMonitor.Bpf;

/// <summary>Receives one ring buffer record, valid only during the call.</summary>
public delegate void RingBufferRecordHandler(ReadOnlySpan<byte> record);
