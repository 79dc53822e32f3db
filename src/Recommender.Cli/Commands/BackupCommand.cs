using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Recommender.Cli.Commands;

/// <summary>
/// <c>backup --database FILE --output FILE [--models DIR --models-output DIR]</c>: a consistent copy of the service's
/// SQLite store, safe while the service runs, then a copy of its model snapshots.
/// </summary>
/// <remarks>
/// SQLite's online backup API copies every page inside one read transaction: in WAL mode readers never block the
/// service's writers, and the copy is the store as of one commit — everything committed before the backup began, none
/// of what commits during it is half there. The copy is checked with <c>PRAGMA integrity_check</c>, switched to a
/// rollback journal so it is one self-contained file, and only then renamed to the output. Snapshots are copied after
/// the database, so every version the copy knows has its file unless it was pruned meanwhile; a restored store whose
/// snapshots are missing retrains.
/// </remarks>
internal static class BackupCommand
{
    public static int Run(CommandLine options, TextWriter output, TextWriter error)
    {
        var database = options.RequiredString("--database");
        var target = options.RequiredString("--output");
        var models = options.String("--models");
        var modelsTarget = options.String("--models-output");
        options.EnsureAllRead();
        if ((models is null) != (modelsTarget is null))
        {
            throw new UsageException("--models and --models-output go together.");
        }

        if (!File.Exists(database))
        {
            throw new IOException($"there is no database at {database}.");
        }

        if (File.Exists(target))
        {
            throw new IOException($"{target} exists; back up to a new file.");
        }

        var clock = Stopwatch.StartNew();
        var partial = target + ".partial";
        try
        {
            File.Delete(partial);
            using (var source = Open(database, SqliteOpenMode.ReadWrite))
            using (var copy = Open(partial, SqliteOpenMode.ReadWriteCreate))
            {
                source.BackupDatabase(copy);
                var check = Scalar(copy, "PRAGMA integrity_check;");
                if (check != "ok")
                {
                    throw new IOException($"the copy failed PRAGMA integrity_check: {check}");
                }

                Scalar(copy, "PRAGMA journal_mode=DELETE;");
            }

            File.Move(partial, target);
        }
        catch (SqliteException e)
        {
            error.WriteLine($"error: {database}: {e.Message}");
            return 1;
        }
        finally
        {
            File.Delete(partial);
        }

        output.WriteLine($"database         {target}: {new FileInfo(target).Length:N0} bytes, integrity ok, {Output.F(clock.Elapsed.TotalSeconds, "F2")} s");
        if (models is not null)
        {
            output.WriteLine($"snapshots        {CopySnapshots(models, modelsTarget!)} copied to {modelsTarget}");
        }

        return 0;
    }

    private static int CopySnapshots(string from, string to)
    {
        Directory.CreateDirectory(to);
        var copied = 0;
        foreach (var file in Directory.EnumerateFiles(from, "model-*.bin"))
        {
            var destination = Path.Combine(to, Path.GetFileName(file));
            try
            {
                File.Copy(file, destination + ".partial", overwrite: true);
            }
            catch (FileNotFoundException)
            {
                continue; // Pruned by the service since the listing: the copy of the database may still name it, as a pruned version.
            }

            File.Move(destination + ".partial", destination, overwrite: true);
            copied++;
        }

        return copied;
    }

    private static SqliteConnection Open(string path, SqliteOpenMode mode)
    {
        // No pooling: the files are closed when the connections are disposed, before the copy is renamed.
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static string? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar()?.ToString();
    }
}
