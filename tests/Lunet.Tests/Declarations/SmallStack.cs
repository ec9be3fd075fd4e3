namespace Lunet.Tests.Declarations;

/// <summary>Runs work on a thread with 512 KiB of stack, less than any thread the runtime is called on, so a missing depth limit shows as a crash here.</summary>
public static class SmallStack
{
    public static T Run<T>(Func<T> work, int stackKiB = 512)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { result = work(); }
            catch (Exception e) { failure = e; }
        }, stackKiB * 1024);
        thread.Start();
        thread.Join();
        if (failure != null) throw failure;
        return result;
    }
}
