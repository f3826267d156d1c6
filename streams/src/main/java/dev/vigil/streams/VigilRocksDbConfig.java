package dev.vigil.streams;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.CompressionType;
import org.rocksdb.Options;

/**
 * RocksDB options of every persistent store (ADR 0150): LZ4 compression of the files on disk. Kafka
 * Streams leaves RocksDB's data uncompressed; Vigil's values (JSON, pod keys, digests) shrink
 * severalfold, which is what keeps a task's state near its pod count (bytes per pod on disk, how
 * long a task takes to move or restore) at a cost of a few percent of CPU.
 */
public final class VigilRocksDbConfig implements RocksDBConfigSetter {

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    options.setCompressionType(CompressionType.LZ4_COMPRESSION);
  }

  @Override
  public void close(String storeName, Options options) {}
}
